using System;
using System.Collections.Generic;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>What modules claim about their constants is true of their maps, and an export owns what it holds.</summary>
public class ClaimsAndExportTests
{
    [Fact]
    public void ADisjointMultiOutputFrobeniusLayerClaimsItsMapBoundAndItsOutputBoundSeparately()
    {
        manual_seed(61);
        using var layer = FrobeniusLinear(20, 9, disjoint_neurons: true, k_coef_lip: 2);
        Assert.Equal(2 * 3.0, layer.lipschitz_constant, 12);
        Assert.Equal(2.0, layer.output_lipschitz_constant, 12);
        // Rows of norm k pointing the same way reach the map bound: the claim cannot be lower.
        using (no_grad()) layer.raw_weight.copy_(ones(9, 20));
        layer.eval();
        double sigma = linalg.svdvals(layer.effective_weight().to_type(ScalarType.Float64)).max().item<double>();
        Assert.InRange(sigma, 6 * (1 - 1e-6), 6 * (1 + 1e-5));

        using var whole = FrobeniusLinear(20, 9, disjoint_neurons: false, k_coef_lip: 2);
        Assert.Equal(2.0, whole.lipschitz_constant, 12);
        using var single = FrobeniusLinear(20, 1, disjoint_neurons: true);
        Assert.Equal(1.0, single.lipschitz_constant, 12);
    }

    [Fact]
    public void SequentialClaimsTheProductOfTrueBoundsAndWarnsAboutPerOutputLayers()
    {
        var seen = new List<string>();
        var previous = Warnings.Handler;
        Warnings.Handler = seen.Add;
        try
        {
            using var model = Sequential(2.0, SpectralLinear(10, 8), FullSort(), FrobeniusLinear(8, 4));
            // Three Lipschitz children share K = 2: each applies 2^(1/3); the last one's map is √4 times that.
            Assert.Equal(2.0 * 2, model.lipschitz_constant, 10);
            Assert.Equal(2.0, model.output_lipschitz_constant, 10);
            var warning = Assert.Single(seen);
            Assert.Contains("FrobeniusLinear(in_features=8, out_features=4", warning);
            Assert.Contains("4-Lipschitz as a map and 2-Lipschitz per output", warning);

            seen.Clear();
            using var tutorial = Sequential(nn.Flatten(), SpectralLinear(784, 16), FullSort(), FrobeniusLinear(16, 1));
            Assert.Equal(1.0, tutorial.lipschitz_constant, 12);
            Assert.DoesNotContain(seen, w => w.Contains("per output"));

            using var unknown = Sequential(SpectralLinear(4, 4), nn.LayerNorm(4));
            Assert.Equal(double.PositiveInfinity, unknown.lipschitz_constant);

            // A plain linear layer is bounded by a float64 certificate of its current weight's spectral norm, tight and never below it.
            using var plain = nn.Linear(4, 4);
            using var mixed = Sequential(SpectralLinear(4, 4), plain);
            double sigma = linalg.svdvals(plain.weight!.detach().to_type(ScalarType.Float64)).max().item<double>();
            Assert.InRange(mixed.lipschitz_constant, sigma, sigma * (1 + 1e-6));
        }
        finally { Warnings.Handler = previous; }
    }

    [Fact]
    public void TheClaimedPerOutputAndMapBoundsHoldUnderAscent()
    {
        manual_seed(62);
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            using var model = Sequential(1.5, SpectralLinear(12, 12), GroupSort2(), FrobeniusLinear(12, 5));
            using (no_grad()) ((TorchLip.Modules.FrobeniusLinear)model[2]).raw_weight.copy_(ones(5, 12) + 0.01 * randn(5, 12));
            AdversarialLipschitzTests.AssertSound(model, 12, 1, 62, "per-output network");
            // The ascent really reaches above the per-output claim when it is allowed to use the whole map.
            model.eval();
            var replay = Float64Replay.Eval(model);
            double map = AdversarialAscent.MaxRatio(replay.Call, 12, 1, 62);
            Assert.True(map > model.output_lipschitz_constant * 1.5, $"aligned rows make the map ratio {map} exceed the per-output bound");
        }
        finally { Warnings.Handler = previous; }
    }

    [Fact]
    public void DisposingTheExportLeavesTheSourceWorkingAndTheReverse()
    {
        manual_seed(63);
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            var x = randn(4, 8);
            using var model = Sequential(nn.Flatten(), SpectralLinear(8, 8), LPReLU(8), nn.Linear(8, 8), FullSort(), FrobeniusLinear(8, 1));
            model.eval();
            var before = model.call(x).clone();
            var exported = model.vanilla_export();
            exported.Dispose();
            Assert.True(model.call(x).allclose(before), "the source must survive the export's disposal");

            var again = model.vanilla_export();
            var fromExport = again.call(x).clone();
            model.Dispose();
            Assert.True(again.call(x).allclose(fromExport), "the export must survive the source's disposal");
            again.Dispose();
        }
        finally { Warnings.Handler = previous; }
    }

    [Fact]
    public void TheExportOwnsItsParametersAndItsConstants()
    {
        manual_seed(64);
        var x = randn(4, 6);
        using var model = Sequential(2.0, SpectralLinear(6, 6), LPReLU(1, init: 0.3), FullSort(k_coef_lip: 1.5), SpectralLinear(6, 2));
        model.eval();
        using var exported = model.vanilla_export();
        var reference = exported.call(x).clone();
        Assert.True(reference.allclose(model.call(x), 1e-5, 1e-6));

        var slopes = ((TorchLip.Modules.LPReLU)model[1]).slopes;
        using (no_grad()) slopes.fill_(-0.9);
        model.k_coef_lip = 3.0;
        ((TorchLip.Modules.LipschitzModule)model[2]).k_coef_lip = 0.5;
        Assert.True(exported.call(x).equal(reference).all().item<bool>(), "editing the source must not change the export");
    }

    [Fact]
    public void AnExportCannotSilentlyShareAStatefulModuleItCannotCopy()
    {
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            using var model = Sequential(SpectralLinear(4, 4), nn.LayerNorm(4));
            var e = Assert.Throws<NotSupportedException>(() => model.vanilla_export());
            Assert.Contains("(1)", e.Message);
            Assert.Contains("parameters or buffers", e.Message);
        }
        finally { Warnings.Handler = previous; }
    }
}
