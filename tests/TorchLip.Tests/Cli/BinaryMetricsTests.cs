using System;
using TorchLip.Cli.Jobs;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip.functional;
using static TorchSharp.torch;

namespace TorchLip.Tests.Cli;

/// <summary>The job's per-batch figures, counted on the host, against the library's losses and sign(score) = label.</summary>
public class BinaryMetricsTests
{
    [Theory]
    [InlineData(128, 0.5)]
    [InlineData(37, 1.0)]    // a batch with class +1 only
    [InlineData(64, 0.0)]    // a batch with class −1 only
    public void BatchFiguresMatchTheLibrarysLossesAndTheSignRule(int n, double positiveShare)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var scores = randn(n, 1, generator: generator);
        scores[0, 0] = 0f;   // a zero score is never right
        var labels = where(rand(n, 1, generator: generator) < positiveShare, 1f, -1f);
        var loss = hkr_loss(scores, labels, 10, 1);

        var m = BinaryMetrics.OfBatch(loss, scores, labels);

        Assert.Equal(loss.item<float>(), m.Loss, 0.0);
        Assert.Equal(kr_loss(scores, labels).item<float>(), m.Kr, 1e-6);
        Assert.Equal(scores.sign().eq(labels).to_type(ScalarType.Float64).mean().item<double>(), m.Acc, 0.0);
    }

    [Fact]
    public void ComputeUsesTheHkrLossOfTheWholeSet()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(8);
        var scores = randn(500, 1, generator: generator);
        var labels = where(rand(500, 1, generator: generator) < 0.5, 1f, -1f);

        var m = BinaryMetrics.Compute(scores, labels, alpha: 5, minMargin: 0.5);

        Assert.Equal(hkr_loss(scores, labels, 5, 0.5).item<float>(), m.Loss, 0.0);
        Assert.Equal(kr_loss(scores, labels).item<float>(), m.Kr, 1e-6);
    }

    [Fact]
    public void MismatchedLabelsAreRejectedWithTheCounts()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => BinaryMetrics.OfBatch(tensor(1f), zeros(4, 1), ones(3, 1)));
        Assert.Contains("4 scores for 3 labels", e.Message);
    }
}
