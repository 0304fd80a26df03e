using System;
using System.Linq;
using TorchLip.Evaluation;
using TorchLip.Normalizers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>
/// evaluate_lip_const: exact on linear maps of known spectrum, never above the certified upper bound on trained models,
/// and without side effects on the model's modes or state.
/// </summary>
public class LipschitzEvaluationTests
{
    [Fact]
    public void TheJacobianOfAnOrthogonalLinearMapHasNormOne()
    {
        using var scope = torch.NewDisposeScope();
        var orthogonal = KnownMaps.Linear(8, 8, Enumerable.Repeat(1.0, 8).ToArray(), seed: 3);
        var x = torch.randn(16, 8);
        Assert.Equal(1.0, torchlip.evaluate_lip_const(orthogonal, x, "jacobian_norm").JacobianNorm!.Value, 5);
        Assert.Equal(1.0, torchlip.evaluate_lip_const(orthogonal, x, "jacobian_norm", disjoint_neurons: true).JacobianNorm!.Value, 5);

        torch.manual_seed(4);
        var spectral = torchlip.SpectralLinear(8, 8);
        Assert.Equal(1.0, torchlip.evaluate_lip_const(spectral, x, "jacobian_norm").JacobianNorm!.Value, 4);
    }

    [Fact]
    public void EachEstimateReachesOrStaysBelowTheNormOfAKnownMap()
    {
        using var scope = torch.NewDisposeScope();
        var map = KnownMaps.Linear(5, 8, new[] { 3.0, 2.0, 0.5 }, seed: 7, dtype: ScalarType.Float64);
        var x = torch.randn(new long[] { 6, 8 }, dtype: ScalarType.Float64);
        var all = torchlip.evaluate_lip_const(map, x);
        Assert.Equal(3.0, all.JacobianNorm!.Value, 9);
        Assert.InRange(all.Attack!.Value, 3.0 * (1 - 1e-4), 3.0 * (1 + 1e-9));
        Assert.InRange(all.NoiseNorm!.Value, 0.5, 3.0 * (1 + 1e-9));
        Assert.Equal(new[] { all.JacobianNorm.Value, all.NoiseNorm.Value, all.Attack.Value }.Max(), all.Estimate);

        var only = torchlip.evaluate_lip_const(map, x, "noise_norm, attack");
        Assert.Null(only.JacobianNorm);
        Assert.Equal(all.NoiseNorm, only.NoiseNorm);
        Assert.Equal(all.Attack, only.Attack);

        // Per output: the largest row norm of the matrix.
        using var rows = map.weight!.detach().norm(1, false, 2.0f);
        double largestRow = rows.max().item<double>();
        var disjoint = torchlip.evaluate_lip_const(map, x, disjoint_neurons: true);
        Assert.Equal(largestRow, disjoint.JacobianNorm!.Value, 9);
        Assert.True(disjoint.Attack <= largestRow * (1 + 1e-9) && disjoint.Attack >= largestRow * 0.99, $"{disjoint.Attack} vs {largestRow}");
    }

    [Theory]
    [InlineData(TrainedModels.DenseBinary, 1.0)]
    [InlineData(TrainedModels.DenseTenClass, 2.0)]
    [InlineData(TrainedModels.ConvBinary, 1.0)]
    [InlineData(TrainedModels.ConvTenClass, 0.5)]
    public void NoEstimateExceedsTheCertifiedUpperBoundOfATrainedModel(string kind, double k)
    {
        using var scope = torch.NewDisposeScope();
        var (model, x) = TrainedModels.Make(kind, seed: 11, k);
        double upper = torchlip.lipschitz_upper_bound(model);
        Assert.InRange(upper, k, k * 1.0001);
        foreach (bool disjoint in new[] { false, true })
        {
            var e = torchlip.evaluate_lip_const(model, x[TensorIndex.Slice(0, 16)], disjoint_neurons: disjoint, num_iterations: 50);
            foreach (var v in new[] { e.JacobianNorm, e.NoiseNorm, e.Attack })
                Assert.True(v <= upper * (1 + 1e-5) && v > 0, $"{kind}, disjoint {disjoint}: estimate {v} against the bound {upper}");
        }
    }

    [Fact]
    public void TheUpperBoundIsTheProductBoundWithTheRoundingAllowance()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var model = torchlip.Sequential(2.0, torchlip.SpectralLinear(4, 6), torchlip.GroupSort2(), torchlip.SpectralLinear(6, 3));
        Assert.Equal(2.0 * Math.Pow(1 + SpectralCertificate.Tolerance, 2), torchlip.lipschitz_upper_bound(model), 12);
        var plain = KnownMaps.Linear(3, 4, new[] { 1.5, 1.0 }, seed: 1);
        Assert.InRange(torchlip.lipschitz_upper_bound(plain), 1.5 * (1 - 1e-6), 1.5 * (1 + 1e-5));
        Assert.Equal(double.PositiveInfinity, torchlip.lipschitz_upper_bound(nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3))));
    }

    [Fact]
    public void EveryMethodLeavesModesAndStateAsTheyWere()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        var first = torchlip.SpectralLinear(6, 6, warm_start: false);
        var model = torchlip.Sequential(first, torchlip.GroupSort2(), torchlip.SpectralLinear(6, 2));
        model.train();
        first.eval();   // a child set apart from its parent
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        torchlip.evaluate_lip_const(model, torch.randn(5, 6), num_iterations: 5);
        Assert.True(model.training);
        Assert.False(first.training);
        foreach (var (key, value) in model.state_dict())
            Assert.True(before[key].equal(value).all().item<bool>(), $"{key} changed");
    }

    [Fact]
    public void AnUnknownEvaluationTypeNamesTheChoices()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => torchlip.evaluate_lip_const(nn.Linear(2, 2), torch.randn(3, 2), "jacobian"));
        Assert.Contains("\"jacobian_norm\"", e.Message);
    }
}
