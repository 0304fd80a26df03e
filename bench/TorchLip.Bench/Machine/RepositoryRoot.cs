using System;
using System.IO;

namespace TorchLip.Bench.Machine;

/// <summary>Finds the repository root: the nearest directory above the working directory (or the program) holding TorchLip.slnx.</summary>
internal static class RepositoryRoot
{
    public static string? Find() => FindAbove(Directory.GetCurrentDirectory()) ?? FindAbove(AppContext.BaseDirectory);

    private static string? FindAbove(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TorchLip.slnx"))) return dir.FullName;
        return null;
    }
}
