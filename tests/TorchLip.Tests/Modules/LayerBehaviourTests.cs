using System;
using System.Collections.Generic;
using System.IO;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

public class LayerBehaviourTests
{
    private static TorchLip.Modules.Sequential TutorialModel()
    {
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            return Sequential(nn.Flatten(), SpectralLinear(784, 128), FullSort(), SpectralLinear(128, 64), FullSort(),
                SpectralLinear(64, 32), FullSort(), FrobeniusLinear(32, 1));
        }
        finally { Warnings.Handler = previous; }
    }

    [Fact]
    public void SequentialWarnsAboutFlattenThroughASilenceableHandler()
    {
        var seen = new List<string>();
        var previous = Warnings.Handler;
        try
        {
            Warnings.Handler = seen.Add;
            using var model = Sequential(nn.Flatten(), SpectralLinear(4, 2), FullSort());
            Assert.Equal(new[] { "Sequential model contains a layer which is not a Lipschitz layer: Flatten(start_dim=1, end_dim=-1)" }, seen);
            Warnings.Handler = null;
            using var silent = Sequential(nn.Flatten(), SpectralLinear(4, 2));
            Assert.Single(seen);
        }
        finally { Warnings.Handler = previous; }
    }

    [Fact]
    public void SequentialPrintsLikePyTorch()
    {
        using var model = TutorialModel();
        var text = model.ToString();
        Assert.StartsWith("Sequential(\n  (0): Flatten(start_dim=1, end_dim=-1)\n  (1): SpectralLinear(in_features=784, out_features=128, bias=True)\n  (2): FullSort()\n", text);
        Assert.EndsWith("  (7): FrobeniusLinear(in_features=32, out_features=1, bias=True)\n)", text);
    }

    [Fact]
    public void ExportKeepsChildNamesAndPlainLayers()
    {
        using var model = TutorialModel();
        using var exported = model.vanilla_export();
        var names = new List<string>();
        foreach (var (name, child) in exported.named_children())
        {
            names.Add(name);
            if (name is "1" or "3" or "5" or "7") Assert.IsType<TorchSharp.Modules.Linear>(child);
        }
        Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "6", "7" }, names);
        Assert.IsType<TorchSharp.Modules.Sequential>(exported);
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalOutputs()
    {
        manual_seed(21);
        using var model = TutorialModel();
        var opt = torchlip.Adam(model.parameters(), lr: 1e-2);
        var x = rand(32, 1, 28, 28);
        var y = where(randn(32, 1) > 0, 1.0f, -1.0f);
        for (int i = 0; i < 3; i++)
        {
            opt.zero_grad();
            hkr_loss(model.call(x), y, 10, 1).backward();
            opt.step();
        }
        model.eval();
        var before = model.call(x).detach().clone();
        var path = Path.Combine(Path.GetTempPath(), $"torchlip-{Guid.NewGuid():N}.dat");
        try
        {
            model.save(path);
            manual_seed(99);
            using var restored = TutorialModel();
            restored.eval();
            var fresh = restored.call(x).detach().clone();    // fills the eval cache with the random initial weights
            Assert.False(fresh.allclose(before));
            restored.load(path);
            Assert.True(restored.call(x).equal(before).all().item<bool>(), "outputs after load differ");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EvalCacheFollowsStateLoadedThroughAPlainContainer()
    {
        manual_seed(22);
        using var a = SpectralLinear(6, 4);
        using var b = SpectralLinear(6, 4);
        using var plain = nn.Sequential(("l", b));
        plain.eval();
        var x = randn(3, 6);
        var stale = b.call(x).clone();
        plain.load_state_dict(new Dictionary<string, Tensor> { ["l.weight_orig"] = a.raw_weight, ["l.bias"] = a.bias_parameter!, ["l.preconditioner"] = a.preconditioner_matrix });
        plain.eval();   // documented: eval() always refreshes the cached weights
        a.eval();
        Assert.True(b.call(x).allclose(a.call(x), 0, 1e-6));
        Assert.False(b.call(x).allclose(stale, 0, 1e-3));
    }

    [Fact]
    public void EvalModeDoesNotIterateAndCachesTheWeight()
    {
        manual_seed(23);
        using var layer = SpectralLinear(10, 5);
        layer.eval();
        var p = layer.preconditioner_matrix.clone();
        var w1 = layer.effective_weight();
        layer.call(randn(2, 10));
        Assert.Same(w1, layer.effective_weight());
        Assert.True(layer.preconditioner_matrix.equal(p).all().item<bool>());
        layer.k_coef_lip = 2;
        Assert.NotSame(w1, layer.effective_weight());
        Assert.InRange(linalg.svdvals(layer.effective_weight()).max().item<float>(), 2 - 2e-5, 2 + 2e-5);
    }

    [Fact]
    public void TrainModeAdvancesTheWarmStartOnlyInForward()
    {
        manual_seed(25);
        using var layer = SpectralLinear(10, 5);
        using (no_grad()) layer.raw_weight.add_(0.1 * randn(5, 10));
        var p = layer.preconditioner_matrix.clone();
        layer.effective_weight();
        layer.vanilla_export().Dispose();
        Assert.True(layer.preconditioner_matrix.equal(p).all().item<bool>(), "reading or exporting the weight must not advance the state");
        layer.call(randn(2, 10));
        Assert.False(layer.preconditioner_matrix.equal(p).all().item<bool>());
    }

    [Fact]
    public void TrainModeAdvancesThePowerIterationOnlyInForward()
    {
        manual_seed(24);
        using var layer = SpectralLinear(10, 5, niter_spectral: 1, warm_start: false);
        using (no_grad()) layer.raw_weight.add_(randn(5, 10));
        var u = layer.u_vector.clone();
        layer.effective_weight();
        layer.vanilla_export().Dispose();
        Assert.True(layer.u_vector.equal(u).all().item<bool>(), "reading or exporting the weight must not advance the state");
        layer.call(randn(2, 10));
        Assert.False(layer.u_vector.equal(u).all().item<bool>());
    }

    [Fact]
    public void WrongInputShapeIsAClearError()
    {
        using var layer = SpectralLinear(784, 128);
        var e = Assert.Throws<ArgumentException>(() => layer.call(randn(8, 1, 28, 28)));
        Assert.Contains("in_features = 784", e.Message);
        Assert.Contains("[8, 1, 28, 28]", e.Message);
        Assert.Contains("Flatten", e.Message);
        Assert.Throws<ArgumentException>(() => layer.call(ones(2, 784, dtype: ScalarType.Int64)));
        var g = Assert.Throws<ArgumentException>(() => GroupSort(3).call(randn(2, 8)));
        Assert.Contains("not a multiple of group_size = 3", g.Message);
    }

    [Fact]
    public void NonFiniteWeightIsAClearErrorNamingTheLayer()
    {
        foreach (var warm in new[] { true, false })
        {
            using var layer = SpectralLinear(6, 4, warm_start: warm);
            using (no_grad()) layer.raw_weight[0, 0] = tensor(float.NaN);
            var e = Assert.Throws<InvalidOperationException>(() => layer.call(randn(2, 6)));
            Assert.Contains("SpectralLinear(in_features=6, out_features=4", e.Message);
            Assert.Contains("raw weight is not finite", e.Message);
        }
        using var frob = FrobeniusLinear(6, 1);
        using (no_grad()) frob.raw_weight[0, 1] = tensor(float.PositiveInfinity);
        Assert.Contains("FrobeniusLinear(in_features=6", Assert.Throws<InvalidOperationException>(() => frob.call(randn(2, 6))).Message);
    }

    [Fact]
    public void AZeroRawWeightIsAZeroMapNotAnError()
    {
        var x = randn(3, 6);
        foreach (var warm in new[] { true, false })
        {
            using var layer = SpectralLinear(6, 4, warm_start: warm);
            using (no_grad()) layer.raw_weight.zero_();
            foreach (var eval in new[] { false, true })
            {
                layer.train(!eval);
                var y = layer.call(x);
                Assert.True(y.isfinite().all().item<bool>());
                Assert.Equal(0.0, layer.effective_weight().abs().max().item<float>(), 6);
            }
        }
        using var frob = FrobeniusLinear(6, 2);
        using (no_grad()) frob.raw_weight.zero_();
        Assert.Equal(0.0, frob.call(x).abs().max().item<float>(), 6);
    }

    [Fact]
    public void BadConstructorArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SpectralLinear(0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpectralLinear(4, 4, k_coef_lip: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpectralLinear(4, 4, k_coef_lip: double.NaN));
        Assert.Contains("FrobeniusLinear", Assert.Throws<ArgumentOutOfRangeException>(() => SpectralLinear(4, 4, niter_bjorck: 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => FullSort(k_coef_lip: -1));
    }
}
