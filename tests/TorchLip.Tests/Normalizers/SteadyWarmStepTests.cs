using System;
using TorchLip.Normalizers;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

/// <summary>
/// The host-assisted steady state of <see cref="WarmBjorck"/> against the general loop it shortcuts: same factor,
/// residual, step count, preconditioner and gradient, in both orientations and dtypes.
/// </summary>
public class SteadyWarmStepTests
{
    private sealed record Run(Tensor Factor, double Scale, Tensor Preconditioner, int Iterations, double Bound, Tensor Grad);

    // A warm start P for w0, and w0 moved by `move` (relative): what an optimizer step leaves for the next forward.
    private static (Tensor Moved, Tensor P) SteadyState(int rows, int cols, double move, ScalarType dtype, long seed)
    {
        manual_seed(seed);
        var w0 = randn(rows, cols, dtype: ScalarType.Float64) / Math.Sqrt(Math.Max(rows, cols));
        var p = WarmBjorck.Orthonormalize(w0, eye(Math.Min(rows, cols), dtype: ScalarType.Float64) / linalg.svdvals(w0).max(), maxiter: 60).Preconditioner;
        var moved = w0 + move * randn(rows, cols, dtype: ScalarType.Float64) / Math.Sqrt(Math.Max(rows, cols));
        return (moved.to_type(dtype), p.to_type(dtype));
    }

    // ‖P·M·Mᵀ·Pᵀ − I‖_F ≤ 0.5: the start is the steady path's case, not one it leaves to the general loop.
    private static void AssertInsideTheThirdOrderRegion(Tensor w, Tensor p)
    {
        var view = w.shape[0] <= w.shape[1] ? w : w.t();
        var eyeSide = eye(p.shape[0], dtype: p.dtype);
        double start = (p.mm(view).mm(view.t()).mm(p.t()) - eyeSide).norm().to_type(ScalarType.Float64).item<double>();
        Assert.True(start <= 0.5, $"the start must be inside the third-order region, residual {start}");
    }

    private static Run Orthonormalize(Tensor w0, Tensor p, Tensor upstream, bool steady, int maxiter = 15)
    {
        {
            var w = w0.clone().requires_grad_(true);
            var result = WarmBjorck.Orthonormalize(w, p, 0.5, maxiter, 1.0, null, hostKernels: steady);
            Assert.False(result.IsFormed, "a well-conditioned weight keeps its factors");
            if (result.Factor!.requires_grad) (result.Factor * upstream).sum().backward();
            return new Run(result.Factor.detach(), result.Scale, result.Preconditioner, result.Iterations, result.LipschitzBound, w.grad ?? zeros_like(w));
        }
    }

    [Theory]
    [InlineData(64, 128, 3e-3, ScalarType.Float32, 1)]
    [InlineData(32, 64, 3e-3, ScalarType.Float32, 1)]
    [InlineData(128, 784, 1e-3, ScalarType.Float32, 1)]
    [InlineData(128, 784, 3e-2, ScalarType.Float32, 2)]
    [InlineData(128, 64, 3e-3, ScalarType.Float32, 1)]
    [InlineData(13, 29, 3e-3, ScalarType.Float64, 1)]
    [InlineData(29, 13, 3e-3, ScalarType.Float64, 1)]
    [InlineData(13, 29, 1e-2, ScalarType.Float64, 2)]
    [InlineData(29, 13, 0.1, ScalarType.Float64, 2)]
    public void MatchesTheGeneralLoopAfterASmallMove(int rows, int cols, double move, ScalarType dtype, int steps)
    {
        var (w, p) = SteadyState(rows, cols, move, dtype, 41);
        int side = Math.Min(rows, cols);
        AssertInsideTheThirdOrderRegion(w, p);
        var upstream = randn(side, side, dtype: dtype);

        var steady = Orthonormalize(w, p, upstream, steady: true);
        var general = Orthonormalize(w, p, upstream, steady: false);

        Assert.Equal(steps, general.Iterations);
        Assert.Equal(general.Iterations, steady.Iterations);
        double tol = dtype == ScalarType.Float32 ? 2e-5 : 1e-12;
        Assert.InRange(steady.Bound, general.Bound * (1 - 1e-6), general.Bound * (1 + 1e-6));
        Assert.True(steady.Bound <= 1 + 1e-5, $"certified bound {steady.Bound}");
        Assert.True(steady.Factor.allclose(general.Factor, tol, tol), "factor");
        Assert.True(steady.Preconditioner.allclose(general.Preconditioner, tol, tol), "preconditioner");
        double gradScale = general.Grad.abs().max().to_type(ScalarType.Float64).item<double>();
        Assert.True(steady.Grad.allclose(general.Grad, tol, tol * gradScale),
            $"gradient: max difference {(steady.Grad - general.Grad).abs().max().to_type(ScalarType.Float64).item<double>()} (scale {gradScale})");
    }

    [Fact]
    public void AConvergedStartTakesNoStepAndDoesNotDependOnTheWeight()
    {
        var (w, p) = SteadyState(20, 50, 0, ScalarType.Float64, 42);
        var upstream = randn(20, 20, dtype: ScalarType.Float64);
        var steady = Orthonormalize(w, p, upstream, steady: true);
        var general = Orthonormalize(w, p, upstream, steady: false);
        Assert.Equal(0, steady.Iterations);
        Assert.Equal(0, general.Iterations);
        Assert.True(steady.Factor.allclose(general.Factor, 0, 0));
        Assert.Equal(0.0, steady.Grad.abs().max().item<double>());
    }

    [Fact]
    public void AnExhaustedSingleStepIsCertifiedByTheSameRescale()
    {
        // A move large enough that one third-order step cannot reach the tolerance, with a budget of one step: both
        // paths stop after it and scale the map down by the same certified bound.
        var (w, p) = SteadyState(12, 30, 0.1, ScalarType.Float64, 43);
        AssertInsideTheThirdOrderRegion(w, p);
        var upstream = randn(12, 12, dtype: ScalarType.Float64);
        var steady = Orthonormalize(w, p, upstream, steady: true, maxiter: 1);
        var general = Orthonormalize(w, p, upstream, steady: false, maxiter: 1);
        Assert.Equal(1, steady.Iterations);
        Assert.True(general.Scale < 1, $"the case must need the rescale, scale {general.Scale}");
        Assert.Equal(general.Scale, steady.Scale, 1e-12);
        Assert.True(steady.Factor.allclose(general.Factor, 1e-12, 1e-12), "factor");
        Assert.True(steady.Grad.allclose(general.Grad, 1e-10, 1e-10), "gradient");
        var weight = (steady.Factor.mm(w) * steady.Scale).to_type(ScalarType.Float64);
        double sigma = linalg.svdvals(weight).max().item<double>();
        Assert.True(sigma <= steady.Bound && steady.Bound <= 1 + 1e-12, $"the rescaled map must be a contraction: {sigma}, bound {steady.Bound}");
        Assert.True(sigma >= 1 - 1e-6, $"the tight bound must not shrink it further than needed: {sigma}");
    }

    [Fact]
    public void AChainOfThirdOrderStepsHasExactGradients()
    {
        var (w0, p) = SteadyState(5, 9, 3e-2, ScalarType.Float64, 46);
        var upstream = randn(5, 5, dtype: ScalarType.Float64);
        double F(Tensor w) => (WarmBjorck.Orthonormalize(w, p).Factor! * upstream).sum().item<double>();

        AssertInsideTheThirdOrderRegion(w0, p);
        var run = Orthonormalize(w0, p, upstream, steady: true);
        Assert.True(run.Iterations >= 2, $"the case must chain steps, took {run.Iterations}");
        FiniteDifferences.AssertGradient(F, w0, run.Grad, 1e-7, 1e-6);
    }

    [Fact]
    public void AStartOutsideTheThirdOrderRegionIsLeftToTheGeneralLoop()
    {
        var (w, p) = SteadyState(10, 25, 1.5, ScalarType.Float64, 45);
        var upstream = randn(10, 10, dtype: ScalarType.Float64);
        var steady = Orthonormalize(w, p, upstream, steady: true, maxiter: 40);
        var general = Orthonormalize(w, p, upstream, steady: false, maxiter: 40);
        Assert.True(general.Iterations > 1, $"the case must need several steps, took {general.Iterations}");
        Assert.Equal(general.Iterations, steady.Iterations);
        Assert.True(steady.Factor.allclose(general.Factor, 0, 0), "the fallback is the general loop itself");
        Assert.True(steady.Grad.allclose(general.Grad, 0, 0));
    }
}
