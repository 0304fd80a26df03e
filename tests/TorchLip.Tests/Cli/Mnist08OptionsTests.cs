using System;
using System.IO;
using System.Linq;
using TorchLip.Cli.Commands;
using TorchLip.Cli.Jobs;
using Xunit;

namespace TorchLip.Tests.Cli;

public class Mnist08OptionsTests
{
    [Fact]
    public void TheDefaultsAreTheTutorialsAndValid()
    {
        var o = new Mnist08Options();

        Assert.Empty(o.Validate());
        Assert.Equal((10, 128, 10.0, 1.0, 1e-3, 0L, 1), (o.Epochs, o.BatchSize, o.Alpha, o.MinMargin, o.LearningRate, o.Seed, o.Threads));
        Assert.Equal("runs/mnist08", o.Output);
        Assert.Null(o.DataDir);
    }

    public static TheoryData<Mnist08Options, string> BadOptions() => new()
    {
        { new Mnist08Options { Epochs = 0 }, "--epochs" },
        { new Mnist08Options { Epochs = -3 }, "--epochs" },
        { new Mnist08Options { BatchSize = 0 }, "--batch-size" },
        { new Mnist08Options { LearningRate = 0 }, "--lr" },
        { new Mnist08Options { LearningRate = -1e-3 }, "--lr" },
        { new Mnist08Options { LearningRate = double.NaN }, "--lr" },
        { new Mnist08Options { LearningRate = double.PositiveInfinity }, "--lr" },
        { new Mnist08Options { Alpha = -1 }, "--alpha" },
        { new Mnist08Options { Alpha = double.NaN }, "--alpha" },
        { new Mnist08Options { MinMargin = -0.5 }, "--min-margin" },
        { new Mnist08Options { Seed = -1 }, "--seed" },
        { new Mnist08Options { Threads = 0 }, "--threads" },
        { new Mnist08Options { Threads = Environment.ProcessorCount + 1 }, "--threads" },
        { new Mnist08Options { Output = " " }, "--output" },
        { new Mnist08Options { DataDir = "" }, "--data-dir" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void EachBadValueIsNamedOnOneLine(Mnist08Options options, string option)
    {
        var error = Assert.Single(options.Validate());
        Assert.StartsWith(option + " ", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void ABadOptionExitsWithTwoAndOneLineBeforeAnyWork()
    {
        var (code, stdout, stderr) = Execute(new Mnist08Options { Epochs = 0, Output = Path.Combine(Path.GetTempPath(), "never-created-" + Guid.NewGuid()) });

        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("", stdout);
        Assert.Equal("torchlip mnist08: error: --epochs must be a positive integer, got 0.", stderr.TrimEnd());
    }

    [Fact]
    public void AnUnwritableOutputDirectoryIsAUsageError()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (code, stdout, stderr) = Execute(new Mnist08Options { Output = file });

            Assert.Equal(ExitCodes.UsageError, code);
            Assert.Equal("", stdout);
            Assert.StartsWith($"torchlip mnist08: error: --output: cannot write to the directory '{file}'", stderr);
            Assert.Single(stderr.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void TheCommandLineDefaultsMatchTheOptionDefaults()
    {
        var parse = Mnist08Command.Create().Parse("");
        var defaults = new Mnist08Options();

        Assert.Empty(parse.Errors);
        Assert.Equal(defaults.Epochs, parse.GetValue<int>("--epochs"));
        Assert.Equal(defaults.BatchSize, parse.GetValue<int>("--batch-size"));
        Assert.Equal(defaults.Alpha, parse.GetValue<double>("--alpha"));
        Assert.Equal(defaults.MinMargin, parse.GetValue<double>("--min-margin"));
        Assert.Equal(defaults.LearningRate, parse.GetValue<double>("--lr"));
        Assert.Equal(defaults.Seed, parse.GetValue<long>("--seed"));
        Assert.Equal(defaults.Threads, parse.GetValue<int>("--threads"));
        Assert.Equal(defaults.Output, parse.GetValue<string>("--output"));
        Assert.Null(parse.GetValue<string?>("--data-dir"));
    }

    [Fact]
    public void ANonNumberIsAParseError()
    {
        var parse = Mnist08Command.Create().Parse("--epochs ten");

        Assert.Contains(parse.Errors, e => e.Message.Contains("--epochs"));
    }

    private static (int code, string stdout, string stderr) Execute(Mnist08Options options)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = JobRunner.Execute("mnist08", () => Mnist08Job.Run(options, stdout), stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
