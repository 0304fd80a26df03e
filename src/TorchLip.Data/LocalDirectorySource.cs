using System;
using System.IO;

namespace TorchLip.Data;

/// <summary>
/// Copies <c>NAME</c> or <c>NAME.gz</c> from a local directory, such as the one a system package installs the files
/// into (Debian's <c>dataset-fashion-mnist</c>: <see cref="MnistVariant.DebianFashionMnistDirectory"/>).
/// </summary>
public sealed class LocalDirectorySource : IMnistSource
{
    /// <summary>Creates a source for one directory.</summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <param name="description">What the directory is, for messages (for example the package that installs it).</param>
    public LocalDirectorySource(string directory, string? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
        Description = description;
    }

    /// <summary>The directory holding the files.</summary>
    public string Directory { get; }

    /// <summary>What the directory is, or null.</summary>
    public string? Description { get; }

    /// <inheritdoc />
    public string Describe() => Description is null ? $"local directory {Directory}" : $"{Description} ({Directory})";

    /// <inheritdoc />
    public bool TryFetch(string fileName, string destinationPath, out string error)
    {
        foreach (var candidate in new[] { Path.Combine(Directory, fileName), Path.Combine(Directory, fileName + ".gz") })
        {
            if (!File.Exists(candidate)) continue;
            try
            {
                File.Copy(candidate, destinationPath);
                error = "";
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"cannot copy {candidate}: {e.Message}";
                return false;
            }
        }
        error = System.IO.Directory.Exists(Directory)
            ? $"{Directory} has neither {fileName} nor {fileName}.gz"
            : $"{Directory} does not exist";
        return false;
    }
}
