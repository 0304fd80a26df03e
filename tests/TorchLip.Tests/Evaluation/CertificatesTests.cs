using System;
using System.Linq;
using TorchLip.Evaluation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>
/// Certified radii: no attack inside a radius changes the class (the adversary of a certificate), the radius is exact
/// where the boundary's distance is known in closed form, and bad input gets an error that says what to do.
/// </summary>
public class CertificatesTests
{
    /// <summary>
    /// A gradient-norm-preserving network (square orthogonal layers, full sort, a unit row): |∇f| = 1 almost everywhere,
    /// so descending |f| along its gradient reaches the boundary after a distance of about |f(x)|, the radius itself.
    /// </summary>
    private static TorchLip.Modules.Sequential SquareNetwork(long seed)
    {
        torch.manual_seed(seed);
        var model = torchlip.Sequential(torchlip.SpectralLinear(8, 8), torchlip.FullSort(), torchlip.SpectralLinear(8, 8),
            torchlip.FullSort(), torchlip.FrobeniusLinear(8, 1));
        // A few large steps so the weights are not the initial ones.
        var x = torch.randn(64, 8);
        var y = torch.sign(x[TensorIndex.Colon, 0] * x[TensorIndex.Colon, 1] + 0.1);
        var opt = torchlip.Adam(model.parameters(), lr: 0.1);
        for (int i = 0; i < 20; i++)
        {
            using var step = torch.NewDisposeScope();
            var loss = torchlip.hkr_loss(model.call(x).squeeze(-1), y, alpha: 10);
            opt.zero_grad(); loss.backward(); opt.step();
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Descends s·f(x + δ) (s the class sign) with ‖δ‖ ≤ radius: for each sample, whether some iterate changed the class,
    /// and the share of s·f(x) left at the end.
    /// </summary>
    private static (bool[] flipped, double[] left) Attack(TorchLip.Modules.Sequential model, Tensor x, Tensor radius, int steps = 80)
    {
        var sign = model.call(x).detach().squeeze(-1).sign();
        var delta = torch.zeros_like(x).requires_grad_(true);
        var flipped = new bool[x.shape[0]];
        var r = radius.to_type(ScalarType.Float32).unsqueeze(1);
        for (int i = 0; i < steps; i++)
        {
            using var step = torch.NewDisposeScope();
            var f = model.call(x + delta).squeeze(-1);
            var changed = (f.detach().sign() != sign).data<bool>().ToArray();
            for (int k = 0; k < flipped.Length; k++) flipped[k] |= changed[k];
            var g = torch.autograd.grad(new[] { (f * sign).sum() }, new[] { delta })[0];
            using (torch.no_grad())
            {
                var next = delta - r / 20 * g / g.norm(1, true).clamp_min(1e-12);
                var norm = next.norm(1, true);
                delta.copy_(next * torch.minimum(torch.ones_like(norm), r / norm.clamp_min(1e-30)));
            }
        }
        using (torch.no_grad())
        {
            var f = model.call(x + delta).squeeze(-1);
            var changed = (f.sign() != sign).data<bool>().ToArray();
            for (int k = 0; k < flipped.Length; k++) flipped[k] |= changed[k];
            var left = (f * sign / (model.call(x).squeeze(-1) * sign)).to_type(ScalarType.Float64).data<double>().ToArray();
            return (flipped, left);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NoAttackInsideTheBinaryRadiusChangesTheClassAndOneJustOutsideDoes(long seed)
    {
        using var scope = torch.NewDisposeScope();
        var model = SquareNetwork(seed);
        var x = torch.randn(48, 8, generator: new Generator((ulong)seed + 100));
        var radius = Certificates.Binary(model, x);

        Assert.Equal(new long[] { 48 }, radius.shape);
        Assert.Equal(ScalarType.Float64, radius.dtype);
        using (torch.no_grad())
            Assert.True(radius.allclose(model.call(x).squeeze(-1).abs().to_type(ScalarType.Float64) / Math.Pow(1 + 1e-5, 3), rtol: 1e-12, atol: 0));

        var (inside, left) = Attack(model, x, radius * 0.999);
        Assert.DoesNotContain(true, inside);
        // The attack is strong enough to matter: inside the radius it takes away most of |f| (the radius is nearly the
        // distance for a gradient-norm-preserving network), and with 10 % more room it changes some classes, so an
        // inflated certificate would not survive it.
        Assert.True(left.Average() < 0.4, $"the attack left {left.Average():F3} of |f| on average");
        var (outside, _) = Attack(model, x, radius * 1.10);
        Assert.Contains(true, outside);
    }

    [Fact]
    public void TheBinaryRadiusOfAUnitLinearMapIsTheDistanceToItsHyperplane()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(4);
        var model = torchlip.Sequential(torchlip.FrobeniusLinear(6, 1));
        model.eval();
        var x = torch.randn(20, 6, generator: new Generator(5));
        var radius = Certificates.Binary(model, x);

        using var noGrad = torch.no_grad();
        var w = ((TorchLip.Modules.FrobeniusLinear)model[0]).effective_weight().to_type(ScalarType.Float64);   // (1, 6), norm 1
        var b = ((TorchLip.Modules.FrobeniusLinear)model[0]).bias_parameter!.to_type(ScalarType.Float64);
        var distance = (x.to_type(ScalarType.Float64).mm(w.t()).squeeze(1) + b).abs() / w.norm();
        Assert.True(radius.allclose(distance, rtol: 1e-4, atol: 1e-6));
        // Stepping 1.001 radii toward the hyperplane crosses it.
        var f = model.call(x).squeeze(-1);
        var across = x - (1.001 * radius * f.sign().to_type(ScalarType.Float64)).unsqueeze(1).mm(w / w.norm()).to_type(ScalarType.Float32);
        Assert.True((model.call(across).squeeze(-1).sign() != f.sign()).all().item<bool>());
    }

    [Fact]
    public void AnOrthogonalLastLayerGivesTheMarginOverRootTwoAndItIsExact()
    {
        // Four orthonormal rows in R⁸: f_i − f_j moves at √2 per unit along (w_j − w_i)/√2 and the other outputs not at all.
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        var model = torchlip.Sequential(torchlip.SpectralLinear(8, 4));
        model.eval();
        var x = torch.randn(30, 8, generator: new Generator(7));
        var radius = Certificates.Multiclass(model, x);

        using var noGrad = torch.no_grad();
        var f = model.call(x).to_type(ScalarType.Float64);
        var (top, index) = f.topk(2, dim: 1);
        var margin = top[TensorIndex.Colon, 0] - top[TensorIndex.Colon, 1];
        Assert.True(radius.allclose(margin / Math.Sqrt(2) / (1 + 1e-5), rtol: 1e-12, atol: 0));

        var w = ((TorchLip.Modules.SpectralLinear)model[0]).effective_weight().to_type(ScalarType.Float64);   // (4, 8)
        var toward = (w.index_select(0, index[TensorIndex.Colon, 1]) - w.index_select(0, index[TensorIndex.Colon, 0])) / Math.Sqrt(2);
        var inside = (x.to_type(ScalarType.Float64) + 0.999 * radius.unsqueeze(1) * toward).to_type(ScalarType.Float32);
        var across = (x.to_type(ScalarType.Float64) + 1.001 * radius.unsqueeze(1) * toward).to_type(ScalarType.Float32);
        Assert.True(model.call(inside).argmax(1).eq(index[TensorIndex.Colon, 0]).all().item<bool>());
        Assert.True(model.call(across).argmax(1).eq(index[TensorIndex.Colon, 1]).all().item<bool>());
    }

    [Fact]
    public void DisjointOutputsGiveTheMarginOverTwoAndOpposedRowsReachIt()
    {
        // Rows e₁, −e₁, e₃, e₄ (unit each, FrobeniusLinear with disjoint neurons): moving along −e₁ lowers f₁ and raises f₂
        // at unit speed each, so the margin f₁ − f₂ closes at 2 per unit: the radius margin/2 is exact.
        using var scope = torch.NewDisposeScope();
        var layer = torchlip.FrobeniusLinear(4, 4, bias: false);
        using (torch.no_grad())
            layer.raw_weight.copy_(torch.tensor(new float[] { 1, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1 }).reshape(4, 4));
        var model = torchlip.Sequential(layer);
        Assert.Equal(2.0, model.lipschitz_constant, 9);          // √4: the map bound of disjoint unit rows
        Assert.Equal(1.0, model.output_lipschitz_constant, 9);
        var x = torch.tensor(new float[] { 1, 0, -2, -2, 0.5f, 0, -1, -3 }).reshape(2, 4);

        var radius = Certificates.Multiclass(model, x).data<double>().ToArray();

        Assert.Equal(1.0 / (1 + 1e-5), radius[0], 12);    // margin 2, over 2
        Assert.Equal(0.5 / (1 + 1e-5), radius[1], 12);    // margin 1, over 2
        using var noGrad = torch.no_grad();
        var e1 = torch.tensor(new float[] { 1, 0, 0, 0 });
        Assert.Equal(0, model.call((x[0] - 0.999f * (float)radius[0] * e1).unsqueeze(0)).argmax(1).item<long>());
        Assert.Equal(1, model.call((x[0] - 1.001f * (float)radius[0] * e1).unsqueeze(0)).argmax(1).item<long>());
    }

    [Fact]
    public void ProvableRobustAccuracyIsTheAccuracyAtZeroAndFallsWithTheRadius()
    {
        using var scope = torch.NewDisposeScope();
        var model = SquareNetwork(8);
        var x = torch.randn(200, 8, generator: new Generator(9));
        var y = torch.sign(x[TensorIndex.Colon, 0] * x[TensorIndex.Colon, 1] + 0.1);
        var radius = Certificates.Binary(model, x);
        Tensor f;
        using (torch.no_grad()) f = model.call(x).squeeze(-1);
        double accuracy = (f.sign() == y).to_type(ScalarType.Float64).mean().item<double>();

        Assert.Equal(accuracy, Certificates.ProvableRobustAccuracy(model, x, y, 0.0), 12);
        double previous = 1;
        foreach (var eps in new[] { 0.0, 0.05, 0.1, 0.2, 0.5, 1.0 })
        {
            double certified = Certificates.ProvableRobustAccuracy(model, x, y, eps);
            double expected = ((f.sign() == y) & radius.gt(eps)).to_type(ScalarType.Float64).mean().item<double>();
            Assert.Equal(expected, certified, 12);
            Assert.True(certified <= previous);
            previous = certified;
        }
        Assert.True(previous < accuracy, "a radius of 1 should leave some correct points uncertified");
        // 1/0 labels mean the same as ±1.
        Assert.Equal(Certificates.ProvableRobustAccuracy(model, x, y, 0.1), Certificates.ProvableRobustAccuracy(model, x, y.gt(0).to_type(ScalarType.Float32), 0.1), 12);
    }

    [Fact]
    public void MulticlassAccuracyTakesClassIndicesOrOneHotRows()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(10);
        var model = torchlip.Sequential(torchlip.SpectralLinear(8, 16), torchlip.GroupSort2(), torchlip.FrobeniusLinear(16, 5));
        var x = torch.randn(100, 8, generator: new Generator(11));
        var classes = torch.randint(0, 5, 100, generator: new Generator(12));
        var oneHot = torch.nn.functional.one_hot(classes, 5).to_type(ScalarType.Float32);
        var radius = Certificates.Multiclass(model, x);
        Tensor predicted;
        using (torch.no_grad()) predicted = model.call(x).argmax(1);

        foreach (var eps in new[] { 0.0, 0.01, 0.05 })
        {
            double expected = (predicted.eq(classes) & radius.gt(eps)).to_type(ScalarType.Float64).mean().item<double>();
            Assert.Equal(expected, Certificates.ProvableRobustAccuracy(model, x, classes, eps), 12);
            Assert.Equal(expected, Certificates.ProvableRobustAccuracy(model, x, oneHot, eps), 12);
        }
    }

    [Fact]
    public void AnExportNeedsItsBoundAndThenGivesTheSameRadii()
    {
        using var scope = torch.NewDisposeScope();
        var model = SquareNetwork(13);
        var x = torch.randn(40, 8, generator: new Generator(14));
        var exported = model.vanilla_export();

        var error = Assert.Throws<ArgumentException>(() => Certificates.Binary(exported, x));
        Assert.Contains("not a TorchLip model", error.Message);
        Assert.Contains("lipschitz_constant", error.Message);

        var bound = model.output_lipschitz_constant * Math.Pow(1 + 1e-5, 3);
        Assert.True(Certificates.Binary(exported, x, bound).allclose(Certificates.Binary(model, x), rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void AnUnconstrainedLayerOrAWrongShapeIsRefusedByName()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(10, 4);
        using var unbounded = torchlip.Sequential(torchlip.SpectralLinear(4, 4), torch.nn.LayerNorm(4), torchlip.SpectralLinear(4, 1));
        var error = Assert.Throws<ArgumentException>(() => Certificates.Binary(unbounded, x));
        Assert.Contains("no finite Lipschitz bound", error.Message);
        Assert.Contains("LayerNorm", error.Message);

        using var multi = torchlip.Sequential(torchlip.SpectralLinear(4, 3));
        Assert.Contains("multiclass_certificates", Assert.Throws<ArgumentException>(() => Certificates.Binary(multi, x)).Message);
        using var single = torchlip.Sequential(torchlip.SpectralLinear(4, 1));
        Assert.Contains("binary_certificates", Assert.Throws<ArgumentException>(() => Certificates.Multiclass(single, x)).Message);
        Assert.Contains("one label per sample", Assert.Throws<ArgumentException>(() =>
            Certificates.ProvableRobustAccuracy(single, x, torch.ones(7), 0.1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Certificates.ProvableRobustAccuracy(single, x, torch.ones(10), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Certificates.Binary(torch.nn.Linear(4, 1), x, lipschitz_constant: 0));
    }

    [Fact]
    public void CertifyingLeavesEveryLayersModeAsItWas()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(15);
        using var model = torchlip.Sequential(torchlip.SpectralLinear(4, 4), torchlip.FullSort(), torchlip.FrobeniusLinear(4, 1));
        model.train();
        var radius = Certificates.Binary(model, torch.randn(5, 4));
        Assert.True(model.training);
        Assert.All(model.modules(), m => Assert.True(m.training));
        Assert.False(radius.requires_grad);
    }
}
