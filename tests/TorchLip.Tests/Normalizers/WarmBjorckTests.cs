using System;
using TorchLip.Normalizers;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

public class WarmBjorckTests
{
    private static double[] SingularValues(Tensor w) => linalg.svdvals(w.detach().to_type(ScalarType.Float64)).data<double>().ToArray();

    [Theory]
    [InlineData(20, 60)]
    [InlineData(60, 20)]
    public void AColdBadlyScaledStartIsRescaledIntoTheRegionAndConverges(int rows, int cols)
    {
        manual_seed(31);
        var w = randn(rows, cols) * 10;   // σ_max ≈ 100 with P = I: far outside Björck's region
        var p = eye(Math.Min(rows, cols));
        var result = WarmBjorck.Orthonormalize(w, p, maxiter: 60);
        Assert.True(result.LipschitzBound <= 1 + 1e-5, $"certified bound {result.LipschitzBound}");
        foreach (var s in SingularValues(result.Weight())) Assert.InRange(s, 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void AConvergedStartNeedsNoStepAndReproducesTheWeight()
    {
        manual_seed(32);
        var w = randn(16, 50);
        var first = WarmBjorck.Orthonormalize(w, eye(16) / linalg.svdvals(w).max(), maxiter: 40);
        var again = WarmBjorck.Orthonormalize(w, first.Preconditioner);
        Assert.Equal(0, again.Iterations);
        Assert.True(again.Weight().allclose(first.Weight(), 0, 1e-6));
    }

    [Fact]
    public void AnExhaustedBudgetIsCertifiedByRescaling()
    {
        manual_seed(33);
        // Singular values 0.95..1.12 around 1: inside the third-order region, where a step overshoots slightly above 1.
        var q = linalg.qr(randn(30, 6)).Q.t();
        var w = diag(tensor(new float[] { 1.12f, 1.0f, 0.95f, 1.05f, 0.98f, 1.1f })).mm(q);
        var result = WarmBjorck.Orthonormalize(w, eye(6), maxiter: 1);
        Assert.Equal(1, result.Iterations);
        Assert.True(result.Scale < 1, $"one step cannot converge: the map must be scaled down, scale {result.Scale}");
        double sigma = SingularValues(result.Weight())[0];
        Assert.True(sigma <= result.LipschitzBound && result.LipschitzBound <= 1 + 1e-5, $"σ_max {sigma}, bound {result.LipschitzBound}");
        Assert.True(sigma >= 1 - 1e-5, $"the tight bound shrinks the map no further than its largest singular value: {sigma}");
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        manual_seed(34);
        var w0 = randn(3, 7, dtype: ScalarType.Float64);
        var p = eye(3, dtype: ScalarType.Float64) / linalg.svdvals(w0).max() * 1.2;
        var g = randn(3, 7, dtype: ScalarType.Float64);
        double F(Tensor w) => (WarmBjorck.Orthonormalize(w, p, maxiter: 30).Weight() * g).sum().item<double>();

        var w = w0.clone().requires_grad_(true);
        (WarmBjorck.Orthonormalize(w, p, maxiter: 30).Weight() * g).sum().backward();
        FiniteDifferences.AssertGradient(F, w0, w.grad!, 1e-6, 1e-5);
    }
    [Theory]
    [InlineData(128, 784, 1e-3)]
    [InlineData(64, 128, 3e-3)]
    [InlineData(784, 128, 1e-3)]
    public void ASmallMoveIsRepairedByOneCertifiedThirdOrderStep(int rows, int cols, double move)
    {
        manual_seed(35);
        var w = randn(rows, cols, dtype: ScalarType.Float64) / Math.Sqrt(Math.Max(rows, cols));
        var start = WarmBjorck.Orthonormalize(w, eye(Math.Min(rows, cols), dtype: ScalarType.Float64) / linalg.svdvals(w).max(), maxiter: 60);
        var moved = w + move * randn(rows, cols, dtype: ScalarType.Float64) / Math.Sqrt(Math.Max(rows, cols));

        var result = WarmBjorck.Orthonormalize(moved, start.Preconditioner);

        Assert.Equal(1, result.Iterations);
        var weight = result.Weight();
        double actual = SingularValues(weight)[0];
        Assert.True(actual <= result.LipschitzBound, $"the certified bound {result.LipschitzBound} must bound the actual {actual}");
        Assert.True(result.LipschitzBound <= 1 + 1e-5, $"certified bound {result.LipschitzBound}");
        foreach (var s in SingularValues(weight)) Assert.InRange(s, 1 - 5e-6, 1 + 5e-6);
    }

    [Theory]
    [InlineData(6, 11)]
    [InlineData(11, 6)]
    public void TheSingleThirdOrderStepAndTheFactoredLinearHaveExactGradients(int rows, int cols)
    {
        manual_seed(37);
        var w0 = randn(rows, cols, dtype: ScalarType.Float64) / Math.Sqrt(cols);
        int side = Math.Min(rows, cols);
        var p = WarmBjorck.Orthonormalize(w0, eye(side, dtype: ScalarType.Float64) / linalg.svdvals(w0).max(), maxiter: 60).Preconditioner;
        var moved = w0 + 1e-3 * randn(rows, cols, dtype: ScalarType.Float64);
        var x = randn(3, cols, dtype: ScalarType.Float64);   // fewer rows than either side: the factored product
        var gy = randn(3, rows, dtype: ScalarType.Float64);
        double F(Tensor w) => (WarmBjorck.Orthonormalize(w, p).Linear(x, null) * gy).sum().item<double>();

        var w = moved.clone().requires_grad_(true);
        var result = WarmBjorck.Orthonormalize(w, p);
        Assert.Equal(1, result.Iterations);
        var y = result.Linear(x, null);
        Assert.True(y.allclose(x.mm(result.Weight().t()), 1e-12, 1e-12), "the factored product must be the same linear map");
        (y * gy).sum().backward();
        FiniteDifferences.AssertGradient(F, moved, w.grad!, 1e-7, 1e-6);
    }
}
