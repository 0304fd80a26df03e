using System.Diagnostics;
using System.IO;
using TorchLip.Cli.Commands;
using Xunit;

namespace TorchLip.Tests.Cli;

/// <summary>Runs the built tool as a process: exit codes and error output as a user sees them.</summary>
public class CliProcessTests
{
    [Theory]
    [InlineData("mnist08 --epochs 0", "--epochs must be a positive integer, got 0.")]
    [InlineData("mnist08 --lr -1", "--lr must be a finite number > 0, got -1.")]
    [InlineData("mnist08 --batch-size 0", "--batch-size must be a positive integer, got 0.")]
    [InlineData("mnist08 --digits 3", "--digits must be two different digits 0-9 separated by a comma, e.g. 0,8; got '3'.")]
    [InlineData("mnist08 --digits 3,3", "--digits must be two different digits 0-9 separated by a comma, e.g. 0,8; got 3,3.")]
    [InlineData("mnist08 --digits 1,12", "--digits must be two different digits 0-9 separated by a comma, e.g. 0,8; got 1,12.")]
    public void ABadOptionPrintsOneLineAndExitsWithTwo(string arguments, string message)
    {
        var (code, stdout, stderr) = Run(arguments);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", stdout);
        Assert.Equal("torchlip mnist08: error: " + message, stderr.TrimEnd());
    }

    [Theory]
    [InlineData("export somewhere", "torchlip export: error: nothing to write: give at least one of --pth FILE, --safetensors FILE, --onnx FILE, --deel-torchlip FILE.")]
    [InlineData("certify model.pth --data mnist08 --radii -1", "torchlip certify: error: --radii: each radius must be a finite number >= 0, got -1.")]
    public void ExportAndCertifyRefuseBadOptionsInOneLine(string arguments, string message)
    {
        var (code, stdout, stderr) = Run(arguments);

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", stdout);
        Assert.Equal(message, stderr.TrimEnd());
    }

    [Fact]
    public void AnUnparsableValueFailsWithoutAStackTrace()
    {
        var (code, _, stderr) = Run("mnist08 --epochs ten");

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Contains("--epochs", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void NoCommandPrintsTheUsageAndEveryUsageErrorExitsWithTheSameCode()
    {
        var (code, stdout, _) = Run("");
        Assert.Equal(ExitCodes.UsageError, code);
        foreach (var command in new[] { "mnist08", "wasserstein-toy", "moons", "mnist " }) Assert.Contains(command, stdout);

        foreach (var arguments in new[] { "frobnicate", "mnist08 --no-such-option", "moons --epochs ten", "wasserstein-toy --batch-size 3" })
        {
            var (c, _, stderr) = Run(arguments);
            Assert.Equal(ExitCodes.UsageError, c);
            Assert.Contains("error", stderr);
            Assert.DoesNotContain("   at ", stderr);
        }
    }

    [Fact]
    public void HelpTextsDoNotDescribeTheMachineTheyWereWrittenOn()
    {
        foreach (var command in new[] { "mnist08", "wasserstein-toy", "moons", "mnist", "certify" })
        {
            var (code, stdout, _) = Run(command + " --help");
            Assert.Equal(0, code);
            Assert.Contains("--threads", stdout);
            Assert.DoesNotContain("this machine", stdout);
        }
    }

    private static (int code, string stdout, string stderr) Run(string arguments)
    {
        var dll = typeof(Mnist08Command).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
