using System;
using System.IO;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The files of one job: written into a staging directory beside the output directory, moved into place together at
/// <see cref="Commit"/>, under a lock that a second job writing to the same <c>--output</c> cannot take.
/// </summary>
/// <remarks>
/// The lock is an exclusive open of <c>.NAME.lock</c> beside the output directory (.NET takes an advisory
/// <c>flock</c> for <see cref="FileShare.None"/>), released when the job ends, crash included; the file itself stays, as
/// deleting it would let a third job lock a new file while the second still holds the old one. A first run (no output
/// directory, or an empty one) renames the staging directory itself: the whole set appears at once. Otherwise each file
/// is renamed over its old version, so that files of the user's own in the directory are never removed. The pipeline's
/// per-epoch checkpoint is not staged: it is written atomically straight into the directory, to outlive a crash.
/// </remarks>
public sealed class OutputSet : IDisposable
{
    private readonly FileStream _lock;
    private bool _committed;

    private OutputSet(string directory, string staging, FileStream lockFile)
    {
        (Directory, Staging, _lock) = (directory, staging, lockFile);
    }

    /// <summary>The absolute output directory.</summary>
    public string Directory { get; }

    /// <summary>The staging directory the files are written into until <see cref="Commit"/>.</summary>
    public string Staging { get; }

    /// <summary>Takes the lock of <paramref name="path"/> and creates the staging directory, proving it writable.</summary>
    /// <param name="path">The output directory (created at commit if missing).</param>
    /// <exception cref="OptionsException">The directory cannot be created or written.</exception>
    /// <exception cref="IOException">Another job holds the directory's lock.</exception>
    public static OutputSet Open(string path)
    {
        string full, parent, lockPath;
        try
        {
            full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
            if (File.Exists(full)) throw new IOException($"'{full}' is a file.");
            parent = Path.GetDirectoryName(full) ?? full;
            System.IO.Directory.CreateDirectory(parent);
            lockPath = Path.Combine(parent, $".{Path.GetFileName(full)}.lock");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new OptionsException($"--output: cannot write to the directory '{path}': {e.Message}");
        }
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            throw new IOException($"--output '{path}': another torchlip job is writing there (it holds {lockPath}); wait for it to end or choose another --output. ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionsException($"--output: cannot write to the directory '{path}': {e.Message}");
        }
        var staging = Path.Combine(parent, $".{Path.GetFileName(full)}.staging-{Guid.NewGuid():N}");
        try
        {
            System.IO.Directory.CreateDirectory(staging);
            return new OutputSet(full, staging, lockFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            lockFile.Dispose();
            throw new OptionsException($"--output: cannot write to the directory '{path}': {e.Message}");
        }
    }

    /// <summary>Lets <paramref name="write"/> create file <paramref name="name"/> in the staging directory.</summary>
    /// <param name="name">The file's name in the output directory.</param>
    /// <param name="write">Writes the complete file to the path it is given (the extension is kept: some writers pick the format from it).</param>
    public void Write(string name, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (_committed) throw new InvalidOperationException("OutputSet: the set is already committed.");
        if (Path.GetFileName(name) != name) throw new ArgumentException($"OutputSet: '{name}' must be a plain file name.", nameof(name));
        write(Path.Combine(Staging, name));
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) as file <paramref name="name"/>.</summary>
    /// <param name="name">The file's name.</param>
    /// <param name="text">Its content.</param>
    public void WriteAllText(string name, string text) => Write(name, path => File.WriteAllText(path, text));

    /// <summary>Moves every staged file into the output directory (see the remarks) and removes the staging directory.</summary>
    public void Commit()
    {
        if (_committed) return;
        bool fresh = !System.IO.Directory.Exists(Directory) || System.IO.Directory.GetFileSystemEntries(Directory).Length == 0;
        if (fresh)
        {
            if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory);
            System.IO.Directory.Move(Staging, Directory);
        }
        else
        {
            foreach (var file in System.IO.Directory.GetFiles(Staging))
                File.Move(file, Path.Combine(Directory, Path.GetFileName(file)), overwrite: true);
            System.IO.Directory.Delete(Staging, recursive: true);
        }
        _committed = true;
    }

    /// <summary>Removes what was staged and not committed, and releases the lock.</summary>
    public void Dispose()
    {
        try
        {
            if (!_committed && System.IO.Directory.Exists(Staging)) System.IO.Directory.Delete(Staging, recursive: true);
        }
        finally
        {
            _lock.Dispose();
        }
    }
}
