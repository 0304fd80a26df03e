using System;
using System.IO;
using TorchLip.Cli.Jobs;
using Xunit;

namespace TorchLip.Tests.Cli;

/// <summary>The output set: staged, moved into place at commit, and locked against a second job on the same directory.</summary>
public class OutputSetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "torchlip-outputset-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void NothingAppearsBeforeTheCommitAndEverythingAfter()
    {
        var output = Path.Combine(_root, "run");
        using (var files = OutputSet.Open(output))
        {
            files.WriteAllText("a.txt", "A");
            files.Write("b.txt", path => File.WriteAllText(path, "B"));
            Assert.False(Directory.Exists(output), "staged files stay out of the output directory until the commit");
            files.Commit();
        }
        Assert.Equal("A", File.ReadAllText(Path.Combine(output, "a.txt")));
        Assert.Equal("B", File.ReadAllText(Path.Combine(output, "b.txt")));
        Assert.Empty(Directory.GetDirectories(_root, ".*staging*"));
    }

    [Fact]
    public void ASecondJobOnTheSameOutputIsRefusedWhileTheFirstRuns()
    {
        var output = Path.Combine(_root, "run");
        using (var first = OutputSet.Open(output))
        {
            var e = Assert.Throws<IOException>(() => OutputSet.Open(output));
            Assert.Contains("another torchlip job is writing there", e.Message);
            using var elsewhere = OutputSet.Open(Path.Combine(_root, "other"));   // a different directory is free
        }
        using var after = OutputSet.Open(output);   // released with the first
    }

    [Fact]
    public void AFailedJobLeavesTheOldFilesAndNoStagingAndKeepsTheUsersOwnFiles()
    {
        var output = Path.Combine(_root, "run");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "a.txt"), "old");
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        using (var failed = OutputSet.Open(output)) failed.WriteAllText("a.txt", "half");
        Assert.Equal("old", File.ReadAllText(Path.Combine(output, "a.txt")));
        Assert.Empty(Directory.GetDirectories(_root, ".*staging*"));

        using (var next = OutputSet.Open(output))
        {
            next.WriteAllText("a.txt", "new");
            next.Commit();
        }
        Assert.Equal("new", File.ReadAllText(Path.Combine(output, "a.txt")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void AFileInPlaceOfTheDirectoryIsAnOptionsError()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "file");
        File.WriteAllText(file, "");
        Assert.StartsWith($"--output: cannot write to the directory '{file}'", Assert.Throws<OptionsException>(() => OutputSet.Open(file)).Message);
    }
}
