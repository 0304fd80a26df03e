using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace TorchLip.Data;

/// <summary>
/// Fetches data files from a Debian binary package (<c>.deb</c>) without installing it: the package is downloaded from
/// a Debian pool URL (checked against its SHA-256) or, failing that, with <c>apt-get download</c>; its data archive is
/// read in process (an <c>ar</c> archive holding <c>data.tar.xz</c>, decompressed by the <c>xz</c> program), and the
/// files under one directory are kept in memory for the life of the source, so the package is fetched once for all
/// four files. Needs no root and no installed package; needs <c>xz</c> (present on Debian, Ubuntu and most Linux).
/// </summary>
public sealed class DebianPackageSource : IMnistSource
{
    /// <summary>Debian's package of Fashion-MNIST.</summary>
    public const string FashionMnistPackage = "dataset-fashion-mnist";

    /// <summary>The package's file in Debian's pool (version 0.0~git20200523.55506a9-1, in Debian 11, 12 and 13).</summary>
    public const string FashionMnistPackageUrl =
        "https://deb.debian.org/debian/pool/main/d/dataset-fashion-mnist/dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb";

    /// <summary>SHA-256 of that file, as Debian's package index lists it.</summary>
    public const string FashionMnistPackageSha256 = "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0";

    // Timeouts are enforced per request with cancellation tokens, so one shared client serves every instance.
    private static readonly HttpClient Client = new(new SocketsHttpHandler()) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    private readonly object _gate = new();
    private readonly string? _aptGetExecutable;
    private readonly string? _xzExecutable;
    private Dictionary<string, byte[]>? _files;
    private string? _failure;

    /// <summary>Creates a source for one package.</summary>
    /// <param name="packageName">The package name, given to <c>apt-get download</c>.</param>
    /// <param name="packageUrls">URLs of the <c>.deb</c> file, tried in order before <c>apt-get download</c>.</param>
    /// <param name="packageSha256">The SHA-256 of the file at <paramref name="packageUrls"/>, or null not to check it
    /// (the data files are checked by their own digests either way).</param>
    /// <param name="memberDirectory">The directory inside the package holding the files, for example
    /// <c>usr/share/datasets/fashion-mnist</c>.</param>
    /// <param name="timeout">Limit for one download or one program run (default 5 min).</param>
    /// <param name="aptGetExecutable">The apt-get executable; by default the first <c>apt-get</c> on PATH; an empty
    /// string never runs it.</param>
    /// <param name="xzExecutable">The xz executable; by default the first <c>xz</c> on PATH.</param>
    public DebianPackageSource(string packageName, IEnumerable<string> packageUrls, string? packageSha256, string memberDirectory,
        TimeSpan? timeout = null, string? aptGetExecutable = null, string? xzExecutable = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageName);
        ArgumentNullException.ThrowIfNull(packageUrls);
        ArgumentException.ThrowIfNullOrWhiteSpace(memberDirectory);
        if (packageSha256 is not null && (packageSha256.Length != 64 || !packageSha256.All(Uri.IsHexDigit)))
            throw new ArgumentException("A package SHA-256 is 64 hex digits.", nameof(packageSha256));
        PackageName = packageName;
        PackageUrls = packageUrls.ToArray();
        PackageSha256 = packageSha256?.ToLowerInvariant();
        MemberDirectory = Normalize(memberDirectory).TrimEnd('/') + "/";
        Timeout = timeout ?? TimeSpan.FromMinutes(5);
        _aptGetExecutable = aptGetExecutable;
        _xzExecutable = xzExecutable;
    }

    /// <summary>A source for Fashion-MNIST from Debian's <c>dataset-fashion-mnist</c> package.</summary>
    public static DebianPackageSource FashionMnist() =>
        new(FashionMnistPackage, new[] { FashionMnistPackageUrl }, FashionMnistPackageSha256, "usr/share/datasets/fashion-mnist");

    /// <summary>The package name.</summary>
    public string PackageName { get; }

    /// <summary>URLs of the <c>.deb</c> file, tried in order.</summary>
    public IReadOnlyList<string> PackageUrls { get; }

    /// <summary>The SHA-256 of the file at <see cref="PackageUrls"/>, or null.</summary>
    public string? PackageSha256 { get; }

    /// <summary>The directory inside the package holding the files, ending with a slash, without a leading one.</summary>
    public string MemberDirectory { get; }

    /// <summary>Limit for one download or one program run.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc />
    public string Describe() => $"Debian package {PackageName} (downloaded, unpacked in memory)";

    /// <inheritdoc />
    public bool TryFetch(string fileName, string destinationPath, out string error)
    {
        Dictionary<string, byte[]> files;
        lock (_gate)
        {
            if (_files is null && _failure is null)
            {
                if (Load(out var loaded, out var problem)) _files = loaded;
                else _failure = problem;
            }
            if (_files is null)
            {
                error = _failure!;
                return false;
            }
            files = _files;
        }
        if (!files.TryGetValue(fileName, out var content) && !files.TryGetValue(fileName + ".gz", out content))
        {
            error = $"the package has no {MemberDirectory}{fileName} nor {MemberDirectory}{fileName}.gz";
            return false;
        }
        using (var output = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write)) output.Write(content);
        error = "";
        return true;
    }

    private bool Load(out Dictionary<string, byte[]> files, out string error)
    {
        var problems = new List<string>();
        foreach (var url in PackageUrls)
        {
            if (TryDownload(url, out var deb, out var problem) && TryCheck(deb, out problem) && TryExtract(deb, out files, out problem))
            {
                error = "";
                return true;
            }
            problems.Add(problem);
        }
        if (TryAptGetDownload(out var fromApt, out var aptProblem) && TryExtract(fromApt, out files, out aptProblem))
        {
            error = "";
            return true;
        }
        problems.Add(aptProblem);
        files = new Dictionary<string, byte[]>();
        error = string.Join("; ", problems);
        return false;
    }

    private bool TryCheck(byte[] deb, out string error)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(deb));
        error = PackageSha256 is null || hash == PackageSha256 ? "" : $"package SHA-256 mismatch: got {hash}, expected {PackageSha256}";
        return error.Length == 0;
    }

    private bool TryDownload(string url, out byte[] content, out string error)
    {
        content = Array.Empty<byte>();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            using var response = Client.Send(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                error = $"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
                return false;
            }
            // Reads of a response body ignore the token once the headers are in; disposing the response aborts them.
            using var abort = cts.Token.Register(response.Dispose);
            using var body = response.Content.ReadAsStream(cts.Token);
            using var buffer = new MemoryStream();
            body.CopyTo(buffer);
            content = buffer.ToArray();
            error = "";
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            error = cts.IsCancellationRequested ? $"GET {url}: timed out" : $"GET {url}: {e.Message}";
            return false;
        }
    }

    private bool TryAptGetDownload(out byte[] deb, out string error)
    {
        deb = Array.Empty<byte>();
        var aptGet = _aptGetExecutable ?? FindOnPath("apt-get");
        if (string.IsNullOrEmpty(aptGet))
        {
            error = "no 'apt-get' executable on PATH";
            return false;
        }
        var workDir = Directory.CreateTempSubdirectory("torchlip-deb-");
        try
        {
            if (!Run(aptGet, new[] { "download", PackageName }, workDir.FullName, null, out error)) return false;
            var debs = Directory.GetFiles(workDir.FullName, "*.deb");
            if (debs.Length != 1)
            {
                error = $"'apt-get download {PackageName}' left {debs.Length} .deb files instead of one";
                return false;
            }
            deb = File.ReadAllBytes(debs[0]);
            return true;
        }
        finally
        {
            try { workDir.Delete(recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>Reads the data archive of a .deb: an ar archive whose member <c>data.tar[.xz|.gz]</c> holds the files.</summary>
    private bool TryExtract(byte[] deb, out Dictionary<string, byte[]> files, out string error)
    {
        files = new Dictionary<string, byte[]>();
        if (!TryFindDataMember(deb, out var memberName, out var offset, out var length, out error)) return false;
        try
        {
            if (memberName == "data.tar")
                return ReadTar(new MemoryStream(deb, offset, length, writable: false), files, out error);
            if (memberName == "data.tar.gz")
                using (var gzip = new GZipStream(new MemoryStream(deb, offset, length, writable: false), CompressionMode.Decompress))
                    return ReadTar(gzip, files, out error);
            if (memberName != "data.tar.xz")
            {
                error = $"the package's data archive is {memberName}; only data.tar, data.tar.gz and data.tar.xz are read";
                return false;
            }
            return ReadXzTar(deb, offset, length, files, out error);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            error = $"cannot read {memberName} of the package: {e.Message}";
            return false;
        }
    }

    private static bool TryFindDataMember(byte[] deb, out string name, out int offset, out int length, out string error)
    {
        const int headerSize = 60;
        name = "";
        offset = length = 0;
        if (deb.Length < 8 || Encoding.ASCII.GetString(deb, 0, 8) != "!<arch>\n")
        {
            error = "not a Debian package (no ar archive signature)";
            return false;
        }
        int at = 8;
        while (at + headerSize <= deb.Length)
        {
            var member = Encoding.ASCII.GetString(deb, at, 16).TrimEnd(' ').TrimEnd('/');
            if (!long.TryParse(Encoding.ASCII.GetString(deb, at + 48, 10).Trim(), out var size) || size < 0 || at + headerSize + size > deb.Length)
            {
                error = $"corrupt ar header at byte {at}";
                return false;
            }
            if (member.StartsWith("data.tar", StringComparison.Ordinal))
            {
                name = member;
                offset = at + headerSize;
                length = (int)size;
                error = "";
                return true;
            }
            at += headerSize + (int)size + (int)(size & 1);
        }
        error = "the package has no data.tar member";
        return false;
    }

    private bool ReadXzTar(byte[] deb, int offset, int length, Dictionary<string, byte[]> files, out string error)
    {
        var xz = _xzExecutable ?? FindOnPath("xz");
        if (xz is null)
        {
            error = "no 'xz' executable on PATH to decompress the package's data.tar.xz (Debian: apt-get install xz-utils)";
            return false;
        }
        var compressed = Path.GetTempFileName();
        try
        {
            using (var output = File.Create(compressed)) output.Write(deb, offset, length);
            bool read = false;
            string readError = "";
            bool ran = Run(xz, new[] { "-dc", "--", compressed }, Path.GetTempPath(), stdout => read = ReadTar(stdout, files, out readError), out error);
            if (ran && !read) error = readError;
            return ran && read;
        }
        finally
        {
            try { File.Delete(compressed); }
            catch (IOException) { }
        }
    }

    private bool ReadTar(Stream stream, Dictionary<string, byte[]> files, out string error)
    {
        using var tar = new TarReader(stream, leaveOpen: true);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            var name = Normalize(entry.Name);
            if (!name.StartsWith(MemberDirectory, StringComparison.Ordinal) || name.IndexOf('/', MemberDirectory.Length) >= 0) continue;
            using var buffer = new MemoryStream();
            entry.DataStream.CopyTo(buffer);
            files[name[MemberDirectory.Length..]] = buffer.ToArray();
        }
        error = files.Count == 0 ? $"the package has no files under {MemberDirectory}" : "";
        return files.Count > 0;
    }

    /// <summary>Runs a program; <paramref name="readStdout"/>, when given, consumes its standard output while it runs.</summary>
    private bool Run(string program, IEnumerable<string> arguments, string workDir, Action<Stream>? readStdout, out string error)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in arguments) start.ArgumentList.Add(arg);
        var command = $"'{Path.GetFileName(program)} {string.Join(' ', start.ArgumentList)}'";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            error = $"cannot start '{program}': {e.Message}";
            return false;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            Task<string> stdout;
            Exception? readFailure = null;
            if (readStdout is null) stdout = process.StandardOutput.ReadToEndAsync();
            else
            {
                var stream = process.StandardOutput.BaseStream;
                stdout = Task.Run(() =>
                {
                    try { readStdout(stream); }
                    catch (Exception e) when (e is InvalidDataException or FormatException or IOException) { readFailure = e; }
                    stream.CopyTo(Stream.Null);   // drain, so the program never blocks on a full pipe
                    return "";
                });
            }
            if (!process.WaitForExit(Timeout))
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                error = $"{command} did not finish within {Timeout.TotalSeconds:0} s";
                return false;
            }
            process.WaitForExit();
            stdout.Wait(Timeout);
            if (readFailure is not null)
            {
                error = $"{command}: cannot read its output: {readFailure.Message}";
                return false;
            }
            if (process.ExitCode != 0)
            {
                error = $"{command} exited with code {process.ExitCode}: {LastLines(stderr.Result + stdout.Result, 5)}";
                return false;
            }
        }
        error = "";
        return true;
    }

    private static string Normalize(string path)
    {
        var name = path.Replace('\\', '/');
        while (name.StartsWith("./", StringComparison.Ordinal)) name = name[2..];
        return name.TrimStart('/');
    }

    private static string? FindOnPath(string command)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);
    }

    private static string LastLines(string text, int count) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(count));
}
