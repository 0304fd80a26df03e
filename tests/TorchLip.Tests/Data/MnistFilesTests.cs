using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using TorchLip.Data;
using Xunit;

namespace TorchLip.Tests.Data
{
    public class MnistFilesTests
    {
        private static MnistFiles Files(string dir, ConcurrentQueue<string>? log = null, params IMnistSource[] sources) =>
            new(dir, sources, SyntheticMnist.Hashes, log is null ? null : log.Enqueue);

        private static void AssertInstalled(string dir, MnistFilePaths paths)
        {
            foreach (var name in MnistFiles.FileNames)
                Assert.Equal(SyntheticMnist.Files[name], File.ReadAllBytes(Path.Combine(dir, name)));
            Assert.Equal(Path.Combine(dir, MnistFiles.TrainImagesName), paths.TrainImages);
            Assert.Equal(Path.Combine(dir, MnistFiles.TestLabelsName), paths.Labels(train: false));
        }

        private static void AssertNoLeftovers(string dir) =>
            Assert.DoesNotContain(Directory.GetFiles(dir), path => path.EndsWith(".partial"));

        [Fact]
        public void DefaultTableHoldsTheOriginalDigests()
        {
            Assert.Equal(4, MnistFiles.DefaultSha256.Count);
            Assert.Equal("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", MnistFiles.DefaultSha256[MnistFiles.TrainImagesName]);
            Assert.Equal("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", MnistFiles.DefaultSha256[MnistFiles.TestLabelsName]);
        }

        [Fact]
        public void DataDirectoryPrefersArgumentThenVariableThenXdgCache()
        {
            var env = new Dictionary<string, string?> { ["TORCHLIP_DATA_DIR"] = "/from/var", ["XDG_CACHE_HOME"] = "/xdg" };
            Assert.Equal("/explicit", MnistFiles.ResolveDataDirectory("/explicit", k => env.GetValueOrDefault(k)));
            Assert.Equal("/from/var", MnistFiles.ResolveDataDirectory(null, k => env.GetValueOrDefault(k)));
            env.Remove("TORCHLIP_DATA_DIR");
            Assert.Equal("/xdg/torchlip/mnist", MnistFiles.ResolveDataDirectory(null, k => env.GetValueOrDefault(k)));
            env.Clear();
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(Path.Combine(home, ".cache", "torchlip", "mnist"), MnistFiles.ResolveDataDirectory(null, k => env.GetValueOrDefault(k)));
        }

        [Fact]
        public void FetchesMissingFilesFromASource()
        {
            using var dir = new TempDirectory();
            var fake = new FakeSource(SyntheticMnist.Files);

            var paths = Files(dir.Path, null, fake).EnsureAvailable();

            AssertInstalled(dir.Path, paths);
            Assert.Equal(4, fake.TotalCalls);
            AssertNoLeftovers(dir.Path);
        }

        [Fact]
        public void DecompressesGzipContentFromASource()
        {
            using var dir = new TempDirectory();
            var fake = new FakeSource(SyntheticMnist.Files) { Gzip = true };

            AssertInstalled(dir.Path, Files(dir.Path, null, fake).EnsureAvailable());
        }

        [Fact]
        public void VerifiedFilesAreNotFetchedAgain()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);
            var failing = new FailingSource("never", "must not be called");

            AssertInstalled(dir.Path, Files(dir.Path, null, failing).EnsureAvailable());
            Assert.Equal(0, failing.Calls);
        }

        [Fact]
        public void InstallsHandPlacedGzipFiles()
        {
            using var dir = new TempDirectory();
            foreach (var (name, content) in SyntheticMnist.Files)
                File.WriteAllBytes(dir.File(name == MnistFiles.TrainImagesName ? name : name + ".gz"), Idx.Gzip(content));
            var failing = new FailingSource("never", "must not be called");

            AssertInstalled(dir.Path, Files(dir.Path, null, failing).EnsureAvailable());
            Assert.Equal(0, failing.Calls);
        }

        [Fact]
        public void ChecksumMismatchIsAClearErrorAndLeavesNoFile()
        {
            using var dir = new TempDirectory();
            var wrong = SyntheticMnist.Files.ToDictionary(kv => kv.Key, kv => kv.Value.Select(b => (byte)(b ^ 1)).ToArray());
            var fake = new FakeSource(wrong, "corrupting fake");

            var e = Assert.Throws<IOException>(() => Files(dir.Path, null, fake).EnsureAvailable());

            Assert.Contains("corrupting fake: SHA-256 mismatch", e.Message);
            Assert.Contains(SyntheticMnist.Hashes[MnistFiles.TrainImagesName], e.Message);
            Assert.False(File.Exists(dir.File(MnistFiles.TrainImagesName)));
            AssertNoLeftovers(dir.Path);
        }

        [Fact]
        public void UnreachableMirrorFailsFastThenTheNextSourceIsUsed()
        {
            using var dir = new TempDirectory();
            // Nothing listens on port 1 of the loopback interface, so the connection is refused at once.
            var mirror = new HttpsMirrorSource("https://127.0.0.1:1/mnist", TimeSpan.FromSeconds(5));
            var fake = new FakeSource(SyntheticMnist.Files);
            var log = new ConcurrentQueue<string>();
            var watch = Stopwatch.StartNew();

            var paths = Files(dir.Path, log, mirror, fake).EnsureAvailable();

            AssertInstalled(dir.Path, paths);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
            Assert.Contains(log, line => line.Contains("HTTPS mirror https://127.0.0.1:1/mnist/ failed") && line.Contains("GET https://127.0.0.1:1/mnist/train-images-idx3-ubyte.gz"));
            Assert.Equal(4, fake.TotalCalls);
        }

        [Fact]
        public void SourceThatFailedIsTriedLastForTheNextFiles()
        {
            using var dir = new TempDirectory();
            var dead = new FailingSource("dead mirror", "connection timed out");
            var fake = new FakeSource(SyntheticMnist.Files);

            AssertInstalled(dir.Path, Files(dir.Path, null, dead, fake).EnsureAvailable());

            Assert.Equal(1, dead.Calls);
            Assert.Equal(4, fake.TotalCalls);
        }

        [Fact]
        public void SilentServerTimesOut()
        {
            // The listener completes TCP handshakes but never answers, like a black-holed mirror.
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            try
            {
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var mirror = new HttpsMirrorSource($"https://127.0.0.1:{port}/", TimeSpan.FromMilliseconds(300));
                using var dir = new TempDirectory();
                var watch = Stopwatch.StartNew();

                bool ok = mirror.TryFetch("x", dir.File("x.gz"), out var error);

                Assert.False(ok);
                Assert.Contains("timed out", error);
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void WhenAllSourcesFailTheMessageListsThemAndExplainsManualInstall()
        {
            using var dir = new TempDirectory();
            var a = new FailingSource("source A", "no route to host");
            var b = new FailingSource("source B", "registry said 404");

            var e = Assert.Throws<IOException>(() => Files(dir.Path, null, a, b).EnsureAvailable());

            Assert.Contains("source A: no route to host", e.Message);
            Assert.Contains("source B: registry said 404", e.Message);
            Assert.Contains(dir.Path, e.Message);
            Assert.Contains("TORCHLIP_DATA_DIR", e.Message);
            foreach (var name in MnistFiles.FileNames) Assert.Contains(name, e.Message);
            Assert.Contains(".gz", e.Message);
            Assert.Contains("raw or gzip-compressed", e.Message);
        }

        [Fact]
        public void ThrowingSourceIsReportedAndSkipped()
        {
            using var dir = new TempDirectory();
            var throwing = new ThrowingSource();
            var fake = new FakeSource(SyntheticMnist.Files);

            AssertInstalled(dir.Path, Files(dir.Path, null, throwing, fake).EnsureAvailable());
            Assert.Equal(4, fake.TotalCalls);
        }

        [Fact]
        public void CorruptCachedFileIsFetchedAgain()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);
            File.WriteAllBytes(dir.File(MnistFiles.TrainLabelsName), new byte[] { 0, 0, 8, 1, 0, 0, 0, 0 });
            var fake = new FakeSource(SyntheticMnist.Files);
            var log = new ConcurrentQueue<string>();

            AssertInstalled(dir.Path, Files(dir.Path, log, fake).EnsureAvailable());

            Assert.Equal(1, fake.TotalCalls);
            Assert.Equal(1, fake.Calls[MnistFiles.TrainLabelsName]);
            Assert.Contains(log, line => line.Contains("corrupt"));
        }

        [Fact]
        public void CorruptCachedFileThatCannotBeReplacedIsAnError()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);
            File.WriteAllBytes(dir.File(MnistFiles.TestImagesName), new byte[] { 1, 2, 3 });
            var wrong = new FakeSource(new Dictionary<string, byte[]> { [MnistFiles.TestImagesName] = new byte[] { 4, 5, 6 } });

            var e = Assert.Throws<IOException>(() => Files(dir.Path, null, wrong).EnsureAvailable());

            Assert.Contains($"the cached file {dir.File(MnistFiles.TestImagesName)} was rejected", e.Message);
            Assert.Contains("fake source: SHA-256 mismatch", e.Message);
            // The corrupt file stays as it was; nothing half-written replaced it.
            Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(dir.File(MnistFiles.TestImagesName)));
        }

        [Fact]
        public void LeftoverPartialFilesAreRemoved()
        {
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.File(".train-images-idx3-ubyte.0123.partial"), new byte[] { 1 });

            Files(dir.Path, null, new FakeSource(SyntheticMnist.Files)).EnsureAvailable();

            AssertNoLeftovers(dir.Path);
        }

        [Fact]
        public async Task ConcurrentCallersFetchEachFileOnce()
        {
            using var dir = new TempDirectory();
            var fake = new FakeSource(SyntheticMnist.Files) { Delay = TimeSpan.FromMilliseconds(100) };

            var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
                Task.Run(() => Files(dir.Path, null, fake).EnsureAvailable())));

            Assert.All(MnistFiles.FileNames, name => Assert.Equal(1, fake.Calls[name]));
            foreach (var paths in results) AssertInstalled(dir.Path, paths);
            AssertNoLeftovers(dir.Path);
        }

        [Fact]
        public void LockHeldElsewhereTimesOutWithAClearError()
        {
            using var dir = new TempDirectory();
            using var held = new FileStream(dir.File(".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            var files = new MnistFiles(dir.Path, new IMnistSource[] { new FakeSource(SyntheticMnist.Files) }, SyntheticMnist.Hashes,
                lockTimeout: TimeSpan.FromMilliseconds(200));

            var e = Assert.Throws<IOException>(() => files.EnsureAvailable());

            Assert.Contains("waiting for the lock", e.Message);
        }

        [Fact]
        public void RejectsIncompleteChecksumTable()
        {
            var table = SyntheticMnist.Hashes.Where(kv => kv.Key != MnistFiles.TestLabelsName).ToDictionary(kv => kv.Key, kv => kv.Value);
            var e = Assert.Throws<ArgumentException>(() => new MnistFiles("/tmp/unused", new IMnistSource[0], table));
            Assert.Contains(MnistFiles.TestLabelsName, e.Message);
        }

        private sealed class ThrowingSource : IMnistSource
        {
            public string Describe() => "throwing source";

            public bool TryFetch(string fileName, string destinationPath, out string error) =>
                throw new InvalidOperationException("boom");
        }
    }
}
