using System;
using TorchLip.Normalizers;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

public class NormalizerPropertyTests
{
    [Theory]
    [InlineData(128, 784)]   // wide: Gram-form iteration
    [InlineData(784, 128)]   // tall: through the transpose
    [InlineData(64, 64)]     // square: direct iteration
    [InlineData(32, 48)]     // near-square
    [InlineData(1, 32)]
    public void ConvergedBjorckHasAllSingularValuesOne(int rows, int cols)
    {
        manual_seed(rows * 1000 + cols);
        var w = randn(rows, cols);
        w = w / linalg.svdvals(w).max();
        var result = Bjorck.Orthonormalize(w, eps: null, maxiter: 30);
        var sv = linalg.svdvals(result.Weight.to_type(ScalarType.Float64)).data<double>().ToArray();
        foreach (var s in sv) Assert.InRange(s, 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void GramFormEqualsTheDirectIterationAndItsGradient()
    {
        manual_seed(3);
        var w0 = randn(16, 100, dtype: ScalarType.Float64);
        w0 = (w0 / linalg.svdvals(w0).max()).requires_grad_(true);
        var g = randn(16, 100, dtype: ScalarType.Float64);

        var gram = Bjorck.Orthonormalize(w0, null, 0.5, 6).Weight;   // 100 >= 2*16: Gram form
        (gram * g).sum().backward();
        var gradGram = w0.grad!.clone();
        w0.grad!.zero_();

        var direct = w0;
        for (int k = 0; k < 6; k++) direct = 1.5 * direct - 0.5 * direct.mm(direct.t()).mm(direct);
        (direct * g).sum().backward();

        Assert.True(gram.allclose(direct, 1e-10, 1e-12));
        Assert.True(gradGram.allclose(w0.grad!, 1e-9, 1e-11));
    }

    [Fact]
    public void OneBjorckStepAlreadyContractsWhenTheNormIsBelowSqrt3()
    {
        manual_seed(5);
        var w = randn(20, 50);
        w = w * (1.7 / linalg.svdvals(w).max().item<float>());
        var once = Bjorck.Orthonormalize(w, null, 0.5, 1).Weight;
        Assert.True(linalg.svdvals(once.to_type(ScalarType.Float64)).max().item<double>() <= 1 + 1e-6);
    }

    [Fact]
    public void GuardRescalesANonConvergedWeightToAContraction()
    {
        manual_seed(7);
        var w = randn(10, 30);
        w = w * (2.5 / linalg.svdvals(w).max().item<float>());   // beyond √3: Björck diverges
        var bad = Bjorck.Orthonormalize(w, null, 0.5, 3).Weight;
        Assert.True(linalg.svdvals(bad).max().item<float>() > 1.01f);
        var guarded = ContractionGuard.Enforce(bad, "test");
        Assert.True(linalg.svdvals(guarded.to_type(ScalarType.Float64)).max().item<double>() <= 1 + 1e-6);

        var orthonormal = Bjorck.Orthonormalize(w / 2.5 * 0.9, null, 0.5, 30).Weight;
        Assert.Same(orthonormal, ContractionGuard.Enforce(orthonormal, "test"));
    }

    [Fact]
    public void GuardRejectsNonFiniteWeights()
    {
        var w = eye(4);
        w[1, 2] = tensor(float.NaN);
        var e = Assert.Throws<InvalidOperationException>(() => ContractionGuard.Enforce(w, "SpectralLinear(in_features=4, out_features=4, bias=True)"));
        Assert.Contains("not finite", e.Message);
        Assert.Contains("SpectralLinear(in_features=4", e.Message);
        Assert.Contains("learning rate", e.Message);
    }

    [Fact]
    public void FrobeniusNormalization()
    {
        var w = tensor(new float[] { 3, 4, 0, 0, 0, 2 }, 2, 3);
        var whole = torchlip.normalizers.frobenius_normalization(w);
        Assert.Equal(1.0, whole.norm().item<float>(), 6);
        var rows = torchlip.normalizers.frobenius_normalization(w, disjoint_neurons: true);
        Assert.Equal(new float[] { 0.6f, 0.8f, 0, 0, 0, 1 }, rows.data<float>().ToArray());
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Bjorck.Orthonormalize(ones(3), 1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bjorck.Orthonormalize(ones(3, 3), 1e-3, 0.5, 0));
        Assert.Throws<ArgumentException>(() => torchlip.normalizers.power_iteration(ones(3, 4), ones(4), ones(4), 1));
    }
}
