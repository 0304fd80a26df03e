using System;
using System.IO;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Output;

/// <summary>Checks, before any long work, that the output directory can be created and written.</summary>
public static class OutputDirectory
{
    /// <summary>Creates <paramref name="path"/> if needed and proves it writable with a probe file.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>The absolute path.</returns>
    /// <exception cref="OptionsException">The directory cannot be created or written.</exception>
    public static string Prepare(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".write-probe.{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, Array.Empty<byte>());
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new OptionsException($"--output: cannot write to the directory '{path}': {e.Message}");
        }
        return full;
    }
}
