using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Cli.Jobs;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace TorchLip.Tests.Cli;

/// <summary>The docs' Examples 1 and 2 at their defaults (seed 0): a few seconds each on one thread.</summary>
[Collection(SoloCollection.Name)]
public class ToyJobsTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly string _output = Path.Combine(Path.GetTempPath(), "torchlip-toys-" + Guid.NewGuid().ToString("N"));

    public ToyJobsTests(ITestOutputHelper log)
    {
        _log = log;
        torch.set_num_threads(1);
    }

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Fact]
    public void TheWassersteinEstimateConvergesTo35AndNeverExceedsIt()
    {
        using var text = new StringWriter();
        var report = WassersteinToyJob.Run(new WassersteinToyOptions { Output = _output }, text);
        _log.WriteLine(text.ToString());

        Assert.Equal(35.0, report.TrueWasserstein1);
        Assert.Equal(10 * 16, report.StepEstimates.Count);
        // A KR estimate above W1 would mean the network is not 1-Lipschitz: checked at every step.
        for (int step = 0; step < report.StepEstimates.Count; step++)
            Assert.True(report.StepEstimates[step] <= 35 * (1 + 1e-5), $"step {step + 1}: estimate {report.StepEstimates[step]} > 35");
        Assert.InRange(report.FinalEstimate, 35 * (1 - 0.002), 35 * (1 + 1e-5));
        Assert.InRange(report.EvalEstimate, 35 * (1 - 0.002), 35 * (1 + 1e-5));
        Assert.Contains("Epoch 10/10  loss: -34.9", text.ToString());

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, WassersteinToyJob.ReportFile)));
        Assert.Equal(160, json.RootElement.GetProperty("step_estimates").GetArrayLength());
        Assert.Equal(report.FinalEstimate, json.RootElement.GetProperty("final_estimate").GetDouble());
        foreach (var png in new[] { WassersteinToyJob.ImagesFile, WassersteinToyJob.EstimateFile })
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(_output, png)).Take(4));
    }

    [Fact]
    public void TheMoonsClassifierIsAccurateAndItsOutputIsADistanceToItsBoundary()
    {
        using var text = new StringWriter();
        var report = MoonsJob.Run(new MoonsOptions { Output = _output }, text);
        _log.WriteLine(text.ToString());

        Assert.Equal(10, report.Epochs.Count);
        Assert.True(report.TrainingAccuracy >= 0.999, $"training accuracy {report.TrainingAccuracy}");
        Assert.Equal(MoonsJob.GridSize * MoonsJob.GridSize, report.Certificate.Points);
        Assert.True(report.Certificate.Crossings > MoonsJob.GridSize, $"the boundary should cross the plot: {report.Certificate.Crossings} points");
        Assert.Equal(0, report.Certificate.Violations);
        Assert.True(report.Certificate.LargestRatio <= 1, $"ratio {report.Certificate.LargestRatio}");
        Assert.True(report.Epochs[^1].Kr > 0.5, $"KR {report.Epochs[^1].Kr}");

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, MoonsJob.ReportFile)));
        Assert.Equal(10, json.RootElement.GetProperty("epochs").GetArrayLength());
        Assert.Equal(0, json.RootElement.GetProperty("certificate").GetProperty("violations").GetInt32());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(_output, MoonsJob.ContourFile)).Take(4));
    }

    [Fact]
    public void UnusableOptionsAreRejectedBeforeAnyWork()
    {
        var e = Assert.Throws<OptionsException>(() => WassersteinToyJob.Run(new WassersteinToyOptions { BatchSize = 15, Output = _output }, TextWriter.Null));
        Assert.Contains("--batch-size must be an even integer", e.Message);
        e = Assert.Throws<OptionsException>(() => MoonsJob.Run(new MoonsOptions { BatchSize = 6000, Output = _output }, TextWriter.Null));
        Assert.Contains("larger than the data set (5000 points)", e.Message);
        Assert.False(Directory.Exists(_output));
    }
}
