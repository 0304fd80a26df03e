using System;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Functional;

public class LossBehaviourTests
{
    [Fact]
    public void KrWithAMissingClassIsTheMeanOfThePresentClassNotNaN()
    {
        var x = tensor(new float[] { 0.5f, 1.5f, 2.5f }).reshape(3, 1);
        var pos = ones(3, 1);
        Assert.Equal(1.5f, kr_loss(x, pos).item<float>(), 6);
        Assert.Equal(-1.5f, kr_loss(x, -pos).item<float>(), 6);
        var hkr = hkr_loss(x, pos, 10, 1).item<float>();
        Assert.False(float.IsNaN(hkr));
        Assert.Equal(10f * (0.5f + 0f + 0f) / 3f - 1.5f, hkr, 5);
    }

    [Fact]
    public void KrGradientPushesClassesApart()
    {
        var x = tensor(new float[] { 0.1f, -0.2f, 0.3f, 0.0f }, requires_grad: true);
        var y = tensor(new float[] { 1, -1, 1, -1 });
        neg_kr_loss(x.reshape(4, 1), y).backward();
        var g = x.grad!.data<float>().ToArray();
        Assert.Equal(new[] { -0.5f, 0.5f, -0.5f, 0.5f }, g);
    }

    [Fact]
    public void InfiniteAlphaIsHingeOnly()
    {
        var x = randn(16, 1);
        var y = where(randn(16, 1) > 0, 1.0f, -1.0f);
        Assert.Equal(hinge_margin_loss(x, y, 0.7).item<float>(), hkr_loss(x, y, double.PositiveInfinity, 0.7).item<float>());
    }

    [Fact]
    public void LabelsOutsideTheExpectedSetAreRejectedWithTheFix()
    {
        var x = randn(4, 1);
        var y01 = tensor(new float[] { 0, 1, 1, 0 }).reshape(4, 1);
        var e = Assert.Throws<ArgumentException>(() => hinge_margin_loss(x, y01));
        Assert.Contains("labels must be 1 or -1, found 0", e.Message);
        Assert.Contains("2 * y - 1", e.Message);
        Assert.Contains("true_values", Assert.Throws<ArgumentException>(() => kr_loss(x, y01)).Message);
        // With the right true_values 0/1 labels are fine: class 1 minus class 0.
        var k = kr_loss(x, y01, (1, 0)).item<float>();
        var xs = x.data<float>().ToArray();
        Assert.Equal((xs[1] + xs[2]) / 2 - (xs[0] + xs[3]) / 2, k, 5);
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => hkr_loss(randn(8, 1), ones(7, 1), 10));
        Assert.Contains("8 samples", e.Message);
        Assert.Contains("[7, 1]", e.Message);
        Assert.Contains("single output", Assert.Throws<ArgumentException>(() => kr_loss(randn(8, 3), ones(8, 1))).Message);
        Assert.Throws<ArgumentException>(() => kr_loss(ones(4, 1, dtype: ScalarType.Int64), ones(4, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => hkr_loss(randn(4, 1), ones(4, 1), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => hinge_margin_loss(randn(4, 1), ones(4, 1), double.NaN));
    }
}
