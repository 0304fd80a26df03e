using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchLip.Cli.Jobs;
using TorchLip.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TorchLip.Tests.Cli;

/// <summary>
/// <c>--resume</c>: a job killed after an epoch and resumed from its output directory ends bit for bit like an
/// uninterrupted one (figures, weights, plots); options that change the run are refused by name.
/// </summary>
[Collection(SoloCollection.Name)]
public class ResumeTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "torchlip-resume-" + Guid.NewGuid().ToString("N"));

    public ResumeTests(ITestOutputHelper log)
    {
        _log = log;
        torch.set_num_threads(1);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Dir(string name) => Path.Combine(_root, name);

    /// <summary>Text output that dies, like a killed process, when the job prints a given line.</summary>
    private sealed class KillingWriter(string fatal) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            if (value is not null && value.StartsWith(fatal, StringComparison.Ordinal)) throw new KilledException();
            base.WriteLine(value);
        }
    }

    private sealed class KilledException : Exception;

    // 5 epochs: at 3 the run's accuracy sat at the sanity threshold and crossed it with the CPU's float kernels (0.741 on
    // an AVX-512 Xeon), which says nothing about resuming.
    private static MoonsOptions Moons(string output) => new() { Samples = 1000, BatchSize = 100, Epochs = 5, Output = output };

    private static void AssertSameWeights(string expected, string actual)
    {
        using var a = JobCheckpoint.LoadModel(expected);
        using var b = JobCheckpoint.LoadModel(actual);
        var sa = a.Model.state_dict();
        var sb = b.Model.state_dict();
        Assert.Equal(sa.Keys, sb.Keys);
        foreach (var (key, tensor) in sa)
            Assert.True(tensor.contiguous().bytes.SequenceEqual(sb[key].contiguous().bytes), $"'{key}' differs");
    }

    [Fact]
    public void AKilledMoonsJobResumedEndsBitForBitLikeAnUninterruptedOne()
    {
        using var text = new StringWriter();
        var whole = MoonsJob.Run(Moons(Dir("whole")), text);

        // Killed as it prints epoch 2's line, after epoch 2's checkpoint: the staged final files never appear.
        Assert.Throws<KilledException>(() => MoonsJob.Run(Moons(Dir("killed")), new KillingWriter("Epoch 2/5")));
        Assert.Equal(new[] { JobCheckpoint.FileName }, Directory.GetFiles(Dir("killed")).Select(Path.GetFileName));
        Assert.Equal(2, JobCheckpoint.Read(Dir("killed")).Epoch);

        using var resumedText = new StringWriter();
        var resumed = MoonsJob.Run(Moons(Dir("killed")) with { Resume = Dir("killed") }, resumedText);
        _log.WriteLine(resumedText.ToString());

        Assert.Contains("Resuming from", resumedText.ToString());
        Assert.Equal(5, resumed.Epochs.Count);
        Assert.Equal(whole.Epochs.Select(e => e with { Seconds = 0 }), resumed.Epochs.Select(e => e with { Seconds = 0 }));
        Assert.Equal(whole.TrainingAccuracy, resumed.TrainingAccuracy);
        Assert.Equal(whole.Certificate, resumed.Certificate);
        Assert.True(whole.TrainingAccuracy > 0.75, $"the run should learn something (chance is 0.5) for the comparison to mean anything: accuracy {whole.TrainingAccuracy}");
        AssertSameWeights(Dir("whole"), Dir("killed"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Dir("whole"), MoonsJob.ContourFile)), File.ReadAllBytes(Path.Combine(Dir("killed"), MoonsJob.ContourFile)));
        // The final checkpoint holds every epoch, the resumed ones included.
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, JobCheckpoint.Read(Dir("killed")).Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void AWassersteinRunContinuedWithMoreEpochsEqualsTheLongerRun()
    {
        var options = new WassersteinToyOptions { StepsPerEpoch = 3, Epochs = 3 };
        var whole = WassersteinToyJob.Run(options with { Output = Dir("whole") }, TextWriter.Null);

        WassersteinToyJob.Run(options with { Epochs = 1, Output = Dir("short") }, TextWriter.Null);
        var continued = WassersteinToyJob.Run(options with { Epochs = 3, Output = Dir("short"), Resume = Dir("short") }, TextWriter.Null);

        // The synthetic batches' generator and the per-step estimates are part of the checkpoint.
        Assert.Equal(9, continued.StepEstimates.Count);
        Assert.Equal(whole.StepEstimates, continued.StepEstimates);
        Assert.Equal(whole.EvalEstimate, continued.EvalEstimate);
        Assert.Equal(whole.Epochs.Select(e => e with { Seconds = 0 }), continued.Epochs.Select(e => e with { Seconds = 0 }));
        AssertSameWeights(Dir("whole"), Dir("short"));
    }

    [Fact]
    public void OptionsThatChangeTheRunAreRefusedByName()
    {
        WassersteinToyJob.Run(new WassersteinToyOptions { StepsPerEpoch = 2, Epochs = 1, Output = Dir("run") }, TextWriter.Null);
        var recorded = new WassersteinToyOptions { StepsPerEpoch = 2, Epochs = 1, Output = Dir("run") };

        // Through the pipeline (a library caller).
        var e = Assert.Throws<OptionsException>(() => WassersteinToyJob.Run(recorded with { Epochs = 2, StepsPerEpoch = 3, Resume = Dir("run") }, TextWriter.Null));
        Assert.Contains("--steps-per-epoch is 3 but the run in", e.Message);
        Assert.Contains("was trained with 2", e.Message);
        e = Assert.Throws<OptionsException>(() => MoonsJob.Run(Moons(Dir("other")) with { Resume = Dir("run") }, TextWriter.Null));
        Assert.Contains("was written by 'torchlip wasserstein-toy', not 'torchlip moons'", e.Message);

        // Through the command line's merge: options not given keep their recorded values, given ones are compared.
        var parsedDefaults = new WassersteinToyOptions { Epochs = 5 };
        var merged = JobCheckpoint.ResumeOptions("wasserstein-toy", Dir("run"), parsedDefaults, new HashSet<string> { "epochs" });
        Assert.Equal(2, merged.StepsPerEpoch);
        Assert.Equal(5, merged.Epochs);
        Assert.Equal(Dir("run"), merged.Output);
        Assert.Equal(Dir("run"), merged.Resume);
        e = Assert.Throws<OptionsException>(() => JobCheckpoint.ResumeOptions("wasserstein-toy", Dir("run"), parsedDefaults with { LearningRate = 0.5 },
            new HashSet<string> { "epochs", "learning_rate" }));
        Assert.Contains("--lr is 0.5", e.Message);
        e = Assert.Throws<OptionsException>(() => JobCheckpoint.ResumeOptions("wasserstein-toy", Dir("nothing"), parsedDefaults, new HashSet<string>()));
        Assert.Contains("--resume", e.Message);

        // Fewer epochs than trained.
        WassersteinToyJob.Run(recorded with { Epochs = 2, Output = Dir("two") }, TextWriter.Null);
        e = Assert.Throws<OptionsException>(() => WassersteinToyJob.Run(recorded with { Epochs = 1, Output = Dir("two"), Resume = Dir("two") }, TextWriter.Null));
        Assert.Contains("--epochs 1 is fewer than the 2 epochs already trained", e.Message);
    }

    [Fact]
    public void AResumeIntoADirectoryAnotherJobHoldsIsRefused()
    {
        WassersteinToyJob.Run(new WassersteinToyOptions { StepsPerEpoch = 2, Epochs = 1, Output = Dir("run") }, TextWriter.Null);
        using var other = OutputSet.Open(Dir("run"));
        var e = Assert.Throws<IOException>(() => WassersteinToyJob.Run(new WassersteinToyOptions { StepsPerEpoch = 2, Epochs = 2, Output = Dir("run"), Resume = Dir("run") }, TextWriter.Null));
        Assert.Contains("another torchlip job is writing there", e.Message);
    }

    [Fact]
    public void TheModelIsRebuiltFromTheCheckpointAlone()
    {
        var report = WassersteinToyJob.Run(new WassersteinToyOptions { StepsPerEpoch = 2, Epochs = 1, Output = Dir("run") }, TextWriter.Null);
        using var loaded = JobCheckpoint.LoadModel(Dir("run"));
        Assert.Equal("wasserstein-toy", loaded.Command);
        Assert.Equal(2, ((WassersteinToyOptions)loaded.Options).StepsPerEpoch);
        Assert.Equal(report.Model, loaded.Model.ToString());
        Assert.False(loaded.Model.training);
        var missing = Assert.Throws<FileNotFoundException>(() => JobCheckpoint.LoadModel(_root));
        Assert.Contains(JobCheckpoint.FileName, missing.Message);
    }

    [Fact]
    public void AKilledMnistJobWithALearningRateScheduleResumesBitForBit()
    {
        // Validation, certificates and the step-by-step learning-rate decay (the job's own state) across the kill.
        var options = new MnistOptions { TrainSamples = 320, TestSamples = 100, Epochs = 2, AttackSamples = 8, AttackSteps = 2, AttackRounds = 2, FinalLrFactor = 0.05 };
        var whole = MnistJob.Run(options with { Output = Dir("whole") }, TextWriter.Null);
        Assert.Throws<KilledException>(() => MnistJob.Run(options with { Output = Dir("killed") }, new KillingWriter("Epoch 1/2")));
        var resumed = MnistJob.Run(options with { Output = Dir("killed"), Resume = Dir("killed") }, TextWriter.Null);

        static IEnumerable<KeyValuePair<string, double>> Figures(IReadOnlyDictionary<string, double> row) => row.Where(kv => kv.Key != "seconds").OrderBy(kv => kv.Key);
        Assert.Equal(2, resumed.Epochs.Count);
        for (int i = 0; i < 2; i++) Assert.Equal(Figures(whole.Epochs[i]), Figures(resumed.Epochs[i]));
        Assert.Equal(whole.CertifiedAccuracy, resumed.CertifiedAccuracy);
        Assert.Equal(whole.LipschitzUpperBound, resumed.LipschitzUpperBound);
        AssertSameWeights(Dir("whole"), Dir("killed"));
        // model.dat, the final output, still loads as before (TorchSharp's format), and equals the checkpoint's weights.
        using var fromCheckpoint = JobCheckpoint.LoadModel(Dir("killed"));
        using var plain = MnistJob.Build(options);
        plain.load(Path.Combine(Dir("killed"), MnistJob.ModelFile));
        foreach (var (key, tensor) in plain.state_dict())
            Assert.True(tensor.contiguous().bytes.SequenceEqual(fromCheckpoint.Model.state_dict()[key].contiguous().bytes), $"'{key}' differs");
    }

    [Fact]
    public void TheCommandLineResumesWithTheRecordedOptionsAndNamesAChangedOne()
    {
        var (code, _, stderr) = Tool($"moons --samples 200 --batch-size 50 --epochs 1 --output \"{Dir("cli")}\"");
        Assert.True(code == 0, stderr);
        // Not giving --samples or --batch-size keeps the recorded 200 and 50 (the defaults, 5000 and 256, would not fit).
        (code, var stdout, stderr) = Tool($"moons --resume \"{Dir("cli")}\" --epochs 2");
        Assert.True(code == 0, stderr);
        Assert.Contains("Resuming from", stdout);
        Assert.Contains("Epoch 2/2", stdout);
        Assert.Equal(2, JobCheckpoint.Read(Dir("cli")).Epoch);
        Assert.Equal(200, ((MoonsOptions)JobCheckpoint.LoadModel(Dir("cli")).Options).Samples);

        (code, _, stderr) = Tool($"moons --resume \"{Dir("cli")}\" --epochs 3 --samples 300");
        Assert.Equal(TorchLip.Cli.Commands.ExitCodes.UsageError, code);
        Assert.Contains("--samples is 300 but the run in", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Tool(string arguments)
    {
        var dll = typeof(TorchLip.Cli.Commands.MoonsCommand).Assembly.Location;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }
}
