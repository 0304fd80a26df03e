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
        foreach (var s in SingularValues(result.Weight)) Assert.InRange(s, 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void AConvergedStartNeedsNoStepAndReproducesTheWeight()
    {
        manual_seed(32);
        var w = randn(16, 50);
        var first = WarmBjorck.Orthonormalize(w, eye(16) / linalg.svdvals(w).max(), maxiter: 40);
        var again = WarmBjorck.Orthonormalize(w, first.Preconditioner);
        Assert.Equal(0, again.Iterations);
        Assert.True(again.Weight.allclose(first.Weight, 0, 1e-6));
    }

    [Fact]
    public void AnExhaustedBudgetIsCertifiedByRescaling()
    {
        manual_seed(33);
        var w = randn(10, 40);
        w = w / linalg.svdvals(w).max() * 1.9;   // inside the region, but two steps cannot converge
        var result = WarmBjorck.Orthonormalize(w, eye(10), maxiter: 2);
        Assert.True(result.Residual > ContractionGuard.Tolerance);
        Assert.True(SingularValues(result.Weight)[0] <= 1 + 1e-6);
    }

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        manual_seed(34);
        var w0 = randn(3, 7, dtype: ScalarType.Float64);
        var p = eye(3, dtype: ScalarType.Float64) / linalg.svdvals(w0).max() * 1.2;
        var g = randn(3, 7, dtype: ScalarType.Float64);
        double F(Tensor w) => (WarmBjorck.Orthonormalize(w, p, maxiter: 30).Weight * g).sum().item<double>();

        var w = w0.clone().requires_grad_(true);
        (WarmBjorck.Orthonormalize(w, p, maxiter: 30).Weight * g).sum().backward();
        var analytic = w.grad!.data<double>().ToArray();
        const double h = 1e-6;
        for (int i = 0; i < 21; i++)
        {
            var plus = w0.clone(); plus.view(-1)[i] += h;
            var minus = w0.clone(); minus.view(-1)[i] -= h;
            double numeric = (F(plus) - F(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= 1e-6 + 1e-5 * Math.Abs(numeric), $"entry {i}: numeric {numeric}, autograd {analytic[i]}");
        }
    }
}
