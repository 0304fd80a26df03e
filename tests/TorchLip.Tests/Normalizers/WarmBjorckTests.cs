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
        Assert.True(result.Residual <= ContractionGuard.Tolerance, $"residual {result.Residual}");
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
        var w = randn(10, 40);
        w = w / linalg.svdvals(w).max() * 1.9;   // inside the region, but two steps cannot converge
        var result = WarmBjorck.Orthonormalize(w, eye(10), maxiter: 2);
        Assert.True(result.Residual > ContractionGuard.Tolerance);
        Assert.True(SingularValues(result.Weight())[0] <= 1 + 1e-6);
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
        var gram = rows <= cols ? weight.mm(weight.t()) : weight.t().mm(weight);
        double actual = (gram - eye(gram.shape[0], dtype: ScalarType.Float64)).norm().item<double>();
        Assert.True(actual <= result.Residual, $"the reported residual {result.Residual} must bound the actual {actual}");
        Assert.True(result.Residual <= ContractionGuard.Tolerance / 2, $"residual {result.Residual}");
        foreach (var s in SingularValues(weight)) Assert.InRange(s, 1 - 1e-5, 1 + 1e-5);
    }

    [Theory]
    [InlineData(1e-3)]
    [InlineData(2e-2)]
    [InlineData(0.3)]
    public void TheThirdOrderStepBoundHoldsForEverySymmetricError(double scale)
    {
        manual_seed(36);
        for (int trial = 0; trial < 20; trial++)
        {
            var x = randn(24, 24, dtype: ScalarType.Float64);
            var e = (x + x.t()) * scale / (x + x.t()).norm();            // ‖E‖_F = scale, any spectrum
            if (trial % 2 == 1) e = e.diagonal().diag();                  // and concentrated spectra
            var id = eye(24, dtype: ScalarType.Float64);
            var f = id + e * 0.5 + e.mm(e) * 0.375;
            var next = f.mm(id - e).mm(f);
            double actual = (next - id).norm().item<double>();
            double bound = WarmBjorck.CubicStepResidualBound(e.mm(e).mm(e).norm().item<double>());
            Assert.True(actual <= bound + 1e-14, $"trial {trial}: ‖Q' − I‖ = {actual} > bound {bound}");
            Assert.True(bound <= actual * 1.6, $"the bound {bound} should be close to the actual {actual}");
        }
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
