using System;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Tasks;
using TorchLip.Data;
using Xunit;

namespace TorchLip.Tests.Data
{
    /// <summary>
    /// Runs <see cref="DebianPackageSource"/> on small synthetic .deb files with Debian's layout (an ar archive of
    /// debian-binary, control.tar.xz and data.tar.xz), served by a loopback HTTP server or a stand-in apt-get script.
    /// </summary>
    public class DebianPackageSourceTests
    {
        private const string Folder = "usr/share/datasets/fashion-mnist";

        /// <summary>A .deb holding the synthetic files as <c>./usr/share/datasets/fashion-mnist/NAME.gz</c>, as the real package does.</summary>
        private static byte[] BuildDeb(bool xz = true)
        {
            using var tarBuffer = new MemoryStream();
            using (var tar = new TarWriter(tarBuffer, TarEntryFormat.Gnu, leaveOpen: true))
            {
                tar.WriteEntry(new GnuTarEntry(TarEntryType.Directory, "./usr/share/datasets/fashion-mnist/"));
                foreach (var (name, content) in SyntheticMnist.Files)
                    tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, $"./{Folder}/{name}.gz") { DataStream = new MemoryStream(Idx.Gzip(content)) });
                tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "./usr/share/doc/dataset-fashion-mnist/copyright") { DataStream = new MemoryStream(new byte[] { 65 }) });
            }
            var data = xz ? Xz(tarBuffer.ToArray()) : Idx.Gzip(tarBuffer.ToArray());
            return Ar(("debian-binary", Encoding.ASCII.GetBytes("2.0\n")), ("control.tar.xz", Xz(new byte[10240])),
                (xz ? "data.tar.xz" : "data.tar.gz", data));
        }

        private static byte[] Xz(byte[] content)
        {
            var start = new ProcessStartInfo("xz") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add("-zc");
            using var process = Process.Start(start)!;
            var output = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
            process.StandardInput.BaseStream.Write(content);
            process.StandardInput.Close();
            copy.Wait();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return output.ToArray();
        }

        private static byte[] Ar(params (string Name, byte[] Content)[] members)
        {
            var archive = new MemoryStream();
            archive.Write(Encoding.ASCII.GetBytes("!<arch>\n"));
            foreach (var (name, content) in members)
            {
                var header = $"{name,-16}{"0",-12}{"0",-6}{"0",-6}{"100644",-8}{content.Length,-10}`\n";
                archive.Write(Encoding.ASCII.GetBytes(header));
                archive.Write(content);
                if (content.Length % 2 == 1) archive.WriteByte((byte)'\n');
            }
            return archive.ToArray();
        }

        private static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

        /// <summary>An apt-get stand-in that writes the package into its working directory and counts its runs.</summary>
        private static string FakeAptGet(TempDirectory dir, byte[] deb)
        {
            var package = dir.File("prepared.deb");
            File.WriteAllBytes(package, deb);
            var path = dir.File("apt-get");
            File.WriteAllText(path, $"#!/bin/sh\necho run >> '{dir.File("runs")}'\n[ \"$1\" = download ] || exit 2\ncp '{package}' \"./$2_1.0_all.deb\"\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return path;
        }

        /// <summary>Serves <paramref name="content"/> on every request to a loopback HTTP port, until disposed.</summary>
        private sealed class OneFileServer : IDisposable
        {
            private readonly HttpListener _listener = new();

            public OneFileServer(byte[] content)
            {
                var probe = new TcpListener(IPAddress.Loopback, 0);
                probe.Start();
                int port = ((IPEndPoint)probe.LocalEndpoint).Port;
                probe.Stop();
                Url = $"http://127.0.0.1:{port}/pool/package.deb";
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                Task.Run(() =>
                {
                    while (_listener.IsListening)
                    {
                        HttpListenerContext context;
                        try { context = _listener.GetContext(); }
                        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                        Requests++;
                        context.Response.ContentLength64 = content.Length;
                        context.Response.OutputStream.Write(content);
                        context.Response.Close();
                    }
                });
            }

            public string Url { get; }
            public int Requests { get; private set; }

            public void Dispose() => _listener.Close();
        }

        [Fact]
        public void DownloadsThePackageOnceAndExtractsEveryFile()
        {
            var deb = BuildDeb();
            using var server = new OneFileServer(deb);
            using var dir = new TempDirectory();
            var source = new DebianPackageSource("dataset-fashion-mnist", new[] { server.Url }, Sha256(deb), Folder, aptGetExecutable: "");

            foreach (var name in MnistFiles.FileNames)
            {
                Assert.True(source.TryFetch(name, dir.File(name), out var error), error);
                using var gz = IdxFile.OpenDecompressed(dir.File(name));
                using var raw = new MemoryStream();
                gz.CopyTo(raw);
                Assert.Equal(SyntheticMnist.Files[name], raw.ToArray());
            }
            Assert.Equal(1, server.Requests);
        }

        [Fact]
        public void PackageWithAnotherHashIsRejected()
        {
            var deb = BuildDeb();
            using var server = new OneFileServer(deb);
            using var dir = new TempDirectory();
            var expected = new string('0', 64);
            var source = new DebianPackageSource("dataset-fashion-mnist", new[] { server.Url }, expected, Folder, aptGetExecutable: "");

            Assert.False(source.TryFetch(MnistFiles.TrainLabelsName, dir.File("out"), out var error));

            Assert.Contains($"package SHA-256 mismatch: got {Sha256(deb)}, expected {expected}", error);
            Assert.Contains("no 'apt-get' executable", error);
            Assert.False(File.Exists(dir.File("out")));
        }

        [Fact]
        public void FallsBackToAptGetDownloadWhenThePoolIsUnreachable()
        {
            using var dir = new TempDirectory();
            var aptGet = FakeAptGet(dir, BuildDeb(xz: false));
            // Nothing listens on port 1 of the loopback interface, so the connection is refused at once.
            var source = new DebianPackageSource("dataset-fashion-mnist", new[] { "https://127.0.0.1:1/x.deb" }, null, Folder, aptGetExecutable: aptGet);
            var files = new MnistFiles(dir.File("cache"), new IMnistSource[] { source }, SyntheticMnist.Hashes, variant: MnistVariant.FashionMnist);

            var paths = files.EnsureAvailable();

            foreach (var name in MnistFiles.FileNames) Assert.Equal(SyntheticMnist.Files[name], File.ReadAllBytes(Path.Combine(files.DataDirectory, name)));
            Assert.Single(File.ReadAllLines(dir.File("runs")));
            Assert.Equal(Path.Combine(files.DataDirectory, MnistFiles.TestImagesName), paths.TestImages);
        }

        [Fact]
        public void EveryFailureIsReportedOnceAndNotRetriedPerFile()
        {
            using var dir = new TempDirectory();
            var aptGet = dir.File("apt-get");
            File.WriteAllText(aptGet, $"#!/bin/sh\necho run >> '{dir.File("runs")}'\necho 'E: Unable to locate package dataset-fashion-mnist' >&2\nexit 100\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(aptGet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var source = new DebianPackageSource("dataset-fashion-mnist", new[] { "https://127.0.0.1:1/x.deb" }, null, Folder, aptGetExecutable: aptGet);
            var files = new MnistFiles(dir.File("cache"), new IMnistSource[] { source }, SyntheticMnist.Hashes, variant: MnistVariant.FashionMnist);

            var e = Assert.Throws<IOException>(() => files.EnsureAvailable());

            Assert.Contains("Debian package dataset-fashion-mnist", e.Message);
            Assert.Contains("GET https://127.0.0.1:1/x.deb", e.Message);
            Assert.Contains("'apt-get download dataset-fashion-mnist' exited with code 100: E: Unable to locate package dataset-fashion-mnist", e.Message);
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
            Assert.Single(File.ReadAllLines(dir.File("runs")));
        }

        [Fact]
        public void NotADebIsAClearError()
        {
            using var dir = new TempDirectory();
            var aptGet = FakeAptGet(dir, Encoding.ASCII.GetBytes("<html>proxy login</html>"));
            var source = new DebianPackageSource("dataset-fashion-mnist", Array.Empty<string>(), null, Folder, aptGetExecutable: aptGet);

            Assert.False(source.TryFetch(MnistFiles.TrainLabelsName, dir.File("out"), out var error));

            Assert.Contains("not a Debian package", error);
        }
    }
}
