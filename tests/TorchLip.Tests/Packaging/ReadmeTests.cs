using System;
using System.IO;
using Xunit;

namespace TorchLip.Tests.Packaging;

/// <summary>The README's "Use it in your project" section shows what the packaging tests run and the examples' code.</summary>
public class ReadmeTests
{
    private static readonly string Root = Support.RepositoryPaths.Root;
    private static readonly string Readme = File.ReadAllText(Path.Combine(Root, "README.md")).ReplaceLineEndings("\n");

    [Fact]
    public void TheNewProjectCommandsAreTheConsumerTestsOwn()
    {
        foreach (var command in PackageConsumerTests.NewProjectCommands("/path/to/TorchLip.NET/artifacts/feed", "0.1.0"))
            Assert.Contains("\ndotnet " + command, Readme);
        foreach (var project in new[] { "TorchLip", "TorchLip.Data" })
            Assert.Contains($"\ndotnet pack src/{project} -c Release -o artifacts/feed", Readme);
        Assert.Contains("<RuntimeIdentifier>linux-x64</RuntimeIdentifier>", Readme);
    }

    [Theory]
    [InlineData("DenseClassifier")]
    [InlineData("CertifyMnist08")]
    public void TheListingIsTheExamplesCode(string example)
    {
        var code = File.ReadAllText(Path.Combine(Root, "examples", example, "Program.cs")).ReplaceLineEndings("\n").TrimEnd('\n');
        Assert.Contains("```csharp\n" + code + "\n```", Readme);
    }
}
