using System;
using System.IO;

namespace TorchLip.Tests.Support;

/// <summary>The repository the tests run from: the nearest folder above the test binaries holding TorchLip.slnx.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "TorchLip.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root (TorchLip.slnx) not found above " + AppContext.BaseDirectory);
    }
}
