using System;
using TorchLip.Evaluation;
using TorchLip.Modules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

public class LipschitzEstimatesTests
{
    public LipschitzEstimatesTests() => torch.set_num_threads(1);

    [Fact]
    public void BothEstimatesStayBelowTheSpectralNormOfALinearMap()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(4, 6, new[] { 0.5, 0.3, 0.2, 0.1 }, seed: 1);
        var x = torch.randn(200, 6, generator: new Generator(2));

        double eps = LipschitzEstimates.Perturbation(map, x);
        double pairwise = LipschitzEstimates.Pairwise(map, x);

        Assert.InRange(eps, 0.05, 0.5 * (1 + 1e-5));
        Assert.InRange(pairwise, 0.05, 0.5 * (1 + 1e-5));
    }

    [Fact]
    public void PairwiseIsTheMaximumOverEveryPairAcrossBlocks()
    {
        // 600 samples span three row blocks; the brute force below compares all 600² ordered pairs directly.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        using var map = torchlip.Sequential(torchlip.SpectralLinear(5, 7), torchlip.FullSort(), torchlip.SpectralLinear(7, 3));
        var x = torch.randn(600, 5, generator: new Generator(12));

        double pairwise = LipschitzEstimates.Pairwise(map, x);

        map.eval();
        using var noGrad = torch.no_grad();
        var xs = x.to_type(ScalarType.Float64);
        var f = map.call(x).to_type(ScalarType.Float64);
        var dx = torch.cdist(xs, xs, 2.0, compute_mode.donot_use_mm_for_euclid_dist);
        var df = torch.cdist(f, f, 2.0, compute_mode.donot_use_mm_for_euclid_dist);
        double expected = torch.where(dx.gt(0), df / torch.where(dx.gt(0), dx, torch.ones_like(dx)), torch.zeros_like(dx)).max().item<double>();
        Assert.Equal(expected, pairwise, 1e-9);
    }

    [Fact]
    public void BothEstimatesAreTightOnARankOneMapInTwoDimensions()
    {
        // f(x) = 0.5·u·(v·x): a ratio is 0.5·|cos(v, direction)|, and many directions in 2-D come close to v.
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(3, 2, new[] { 0.5 }, seed: 3);
        var x = torch.randn(300, 2, generator: new Generator(4));

        double pairwise = LipschitzEstimates.Pairwise(map, x);
        double eps = LipschitzEstimates.Perturbation(map, x);

        Assert.InRange(pairwise, 0.5 * 0.998, 0.5 * (1 + 1e-5));
        Assert.InRange(eps, 0.5 * 0.98, 0.5 * (1 + 1e-5));
    }

    [Fact]
    public void AOneLipschitzNetworkGivesAtMostOne()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        using var model = torchlip.Sequential(
            torchlip.SpectralLinear(16, 32), torchlip.FullSort(),
            torchlip.SpectralLinear(32, 8), torchlip.FullSort(),
            torchlip.FrobeniusLinear(8, 1));
        var x = torch.randn(300, 16, generator: new Generator(6)) * 3;

        Assert.InRange(LipschitzEstimates.Perturbation(model, x), 0.0, 1 + 1e-5);
        Assert.InRange(LipschitzEstimates.Pairwise(model, x), 0.0, 1 + 1e-5);
    }

    [Fact]
    public void AnOrthogonalLayerIsAnIsometry()
    {
        // Float64 so that rounding (~1e-16) cannot blur a ratio that is exactly 1.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        using var layer = torchlip.SpectralLinear(8, 8);
        layer.to(ScalarType.Float64);
        var x = torch.randn(100, 8, dtype: ScalarType.Float64, generator: new Generator(8));

        Assert.InRange(LipschitzEstimates.Pairwise(layer, x), 1 - 1e-5, 1 + 1e-5);
        Assert.InRange(LipschitzEstimates.Perturbation(layer, x), 1 - 1e-5, 1 + 1e-5);
    }

    [Fact]
    public void EveryModuleGetsItsModeBackAndNoStateAdvances()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(9);
        var first = torchlip.SpectralLinear(10, 12);
        var second = torchlip.SpectralLinear(12, 1);
        using var model = torchlip.Sequential(first, torchlip.FullSort(), second);
        model.train();
        second.eval();
        var p = first.preconditioner_matrix.clone();
        var x = torch.randn(50, 10, generator: new Generator(10));

        LipschitzEstimates.Perturbation(model, x);
        LipschitzEstimates.Pairwise(model, x);

        Assert.True(model.training);
        Assert.True(first.training);
        Assert.False(second.training);
        Assert.True(torch.equal(p, first.preconditioner_matrix).all().item<bool>());
    }

    [Fact]
    public void ThePerturbationEstimateIsSeededAndLeavesTheGlobalGeneratorAlone()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(3, 5, new[] { 0.9, 0.4, 0.1 }, seed: 11);
        var x = torch.randn(40, 5, generator: new Generator(12));

        torch.manual_seed(13);
        var expected = torch.randn(5);
        torch.manual_seed(13);
        double a = LipschitzEstimates.Perturbation(map, x, seed: 42);
        var actual = torch.randn(5);
        double b = LipschitzEstimates.Perturbation(map, x, seed: 42);

        Assert.True(torch.equal(expected, actual).all().item<bool>());
        Assert.Equal(a, b);
        Assert.NotEqual(a, LipschitzEstimates.Perturbation(map, x, seed: 43));
    }

    [Fact]
    public void IdenticalSamplesAreSkipped()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(2, 3, new[] { 0.7, 0.2 }, seed: 14);
        var distinct = torch.randn(20, 3, generator: new Generator(15));
        var x = torch.cat(new[] { distinct, distinct });

        Assert.InRange(LipschitzEstimates.Pairwise(map, x), 0.0, 0.7 * (1 + 1e-5));
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(2, 3, new[] { 1.0 }, seed: 16);
        var x = torch.randn(5, 3);

        Assert.Throws<ArgumentOutOfRangeException>(() => LipschitzEstimates.Perturbation(map, x, epsilon: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => LipschitzEstimates.Perturbation(map, x, epsilon: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LipschitzEstimates.Perturbation(map, x, draws: 0));
        Assert.Throws<ArgumentException>(() => LipschitzEstimates.Pairwise(map, x[..1]));
        Assert.Throws<ArgumentException>(() => LipschitzEstimates.Pairwise(map, torch.ones(4, 3)));
        Assert.Throws<ArgumentException>(() => LipschitzEstimates.Pairwise(map, torch.ones(4, 3, dtype: ScalarType.Int64)));
    }

    [Fact]
    public void TheUtilsFactoriesCallTheEstimates()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(3, 4, new[] { 0.6, 0.5, 0.1 }, seed: 17);
        var x = torch.randn(30, 4, generator: new Generator(18));

        Assert.Equal(LipschitzEstimates.Perturbation(map, x, 0.1, 3, 7), torchlip.lipschitz_eps_estimate(map, x, 0.1, 3, 7));
        Assert.Equal(LipschitzEstimates.Pairwise(map, x), torchlip.lipschitz_pairwise_estimate(map, x));
    }
}
