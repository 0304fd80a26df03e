using System;
using TorchLip.Training.Metrics;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Training;

/// <summary>The binary metrics, counted on the host, against the library's losses and sign(score) = label.</summary>
public class BinaryMetricTests
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

        Assert.Equal(kr_loss(scores, labels).item<float>(), new KRMetric().Compute(scores, labels), 1e-6);
        Assert.Equal(hinge_margin_loss(scores, labels, 0.3).item<float>(), new HingeMetric(0.3).Compute(scores, labels), 1e-6);
        Assert.Equal(scores.sign().eq(labels).to_type(ScalarType.Float64).mean().item<double>(), new BinaryAccuracy().Compute(scores, labels), 0.0);
    }

    [Fact]
    public void MismatchedLabelsAreRejectedWithTheCounts()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => new KRMetric().Compute(zeros(4, 1), ones(3, 1)));
        Assert.Contains("4 scores for 3 labels", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HingeMetric(-1));
    }
}
