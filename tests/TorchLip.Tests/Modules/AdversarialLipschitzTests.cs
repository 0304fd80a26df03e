using System;
using System.Collections.Generic;
using TorchLip.Modules;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// The soundness claim tested as an adversary would: randomly drawn networks (every layer option and activation, widths
/// 1–300, network constants 0.5–3.7), trained hard (up to 200 Adam steps at learning rates up to 1, on random targets or
/// on an objective that maximizes their Lipschitz ratio, some with hostile raw weights), then in train mode, eval mode
/// and after export: every applied weight's float64 spectral norm is within its layer's bound, and projected gradient
/// ascent on ‖f(x) − f(y)‖/‖x − y‖ over a float64 replay of the applied weights never exceeds the network's claim.
/// </summary>
public class AdversarialLipschitzTests
{
    private const double Slack = 1 + 1e-5;

    public static IEnumerable<object[]> Seeds()
    {
        for (int seed = 1; seed <= 200; seed++) yield return new object[] { seed };
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ADrawnNetworkTrainedHardKeepsEveryClaimInEveryMode(int seed)
    {
        manual_seed(seed);
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        RandomNetworks.Draw draw;
        try { draw = RandomNetworks.Network(seed); }
        finally { Warnings.Handler = previous; }
        using var model = draw.Model;
        string context = $"seed {seed}: {draw.Description}";
        RandomNetworks.Train(draw, seed);
        AssertSound(model, draw.Inputs, draw.InputScale, seed, context);
    }

    /// <summary>
    /// The family in which ordinary training broke default layers (σ_max/k up to 1.0247): square SpectralLinear(n, n)
    /// alone or two around an activation, Adam at large learning rates on random targets or on the ratio objective.
    /// </summary>
    [Theory]
    [InlineData(296, 1, "", 73, 0.052, false, 3.7, 1.0)]
    [InlineData(296, 1, "", 73, 0.052, true, 3.7, 1.0)]
    [InlineData(73, 2, "FullSort", 200, 0.8, true, 1.0, 10)]
    [InlineData(128, 2, "GroupSort2", 120, 0.3, false, 1.0, 0.1)]
    [InlineData(200, 1, "", 8, 0.8, true, 2.0, 1)]
    [InlineData(300, 2, "FullSort", 40, 0.5, true, 1.0, 3)]
    [InlineData(150, 1, "", 200, 0.05, true, 0.5, 10)]
    public void SquareLayersTrainedAtLargeLearningRatesStayWithinTheirBound(int n, int layers, string activation, int steps, double lr,
        bool adversarial, double k, double inputScale)
    {
        manual_seed(n + steps);
        var modules = new List<nn.Module<Tensor, Tensor>> { SpectralLinear(n, n) };
        if (layers == 2)
        {
            modules.Add(activation == "FullSort" ? FullSort() : GroupSort2());
            modules.Add(SpectralLinear(n, n));
        }
        using var model = new Sequential(modules, k);
        var draw = new RandomNetworks.Draw(model, n, inputScale, steps, lr, adversarial, null, -1, $"square {n}");
        RandomNetworks.Train(draw, n);
        AssertSound(model, n, inputScale, n, $"SpectralLinear({n}, {n}) x{layers} {activation}, k {k}, {steps} steps at lr {lr}");
    }

    /// <summary>A standard Gaussian raw weight (condition number ≈ 770 at n = 50): its float32 Gram sums read 1e-8 where the truth is 7.6e-3.</summary>
    [Theory]
    [InlineData(50)]
    [InlineData(300)]
    public void AGaussianRawWeightIsCertifiedInEveryMode(int n)
    {
        manual_seed(n);
        using var model = Sequential(SpectralLinear(n, n));
        var layer = (SpectralLinear)model[0];
        using (no_grad()) layer.raw_weight.copy_(randn(n, n));
        for (int i = 0; i < 5; i++)
            using (no_grad()) model.call(randn(8, n));
        AssertSound(model, n, 1, n, $"Gaussian SpectralLinear({n}, {n})");
    }

    /// <summary>Nearly rank-deficient raw weights with few Björck steps: once 2.41-Lipschitz in eval and export.</summary>
    [Theory]
    [InlineData("near-duplicate rows", true)]
    [InlineData("duplicate rows", true)]
    [InlineData("near-duplicate rows", false)]
    [InlineData("rank one", true)]
    public void NearlyRankDeficientRawWeightsAreCertified(string kind, bool warm)
    {
        manual_seed(44);
        using var model = Sequential(SpectralLinear(44, 7, niter_bjorck: 3, warm_start: warm), FullSort(), SpectralLinear(7, 3));
        using var generator = new Generator(44);
        RandomNetworks.Corrupt((SpectralLinear)model[0], kind, generator);
        for (int i = 0; i < 3; i++)
            using (no_grad()) model.call(randn(8, 44));
        AssertSound(model, 44, 1, 44, $"SpectralLinear(44, 7, niter_bjorck: 3, warm_start: {warm}) with {kind}");
    }

    /// <summary>A finite raw weight of condition number 2·10⁴ once made every forward throw "not finite".</summary>
    [Fact]
    public void AFiniteIllConditionedRawWeightNeverThrows()
    {
        manual_seed(45);
        using var model = Sequential(SpectralLinear(120, 60), FullSort(), SpectralLinear(60, 1));
        var layer = (SpectralLinear)model[0];
        using var generator = new Generator(45);
        using (no_grad())
        {
            var w = KnownMapsForTests.Matrix(60, 120, 2e4, generator);
            layer.raw_weight.copy_(w);
        }
        var optimizer = torchlip.Adam(model.parameters(), lr: 0.01);
        for (int i = 0; i < 5; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            model.call(randn(16, 120)).square().sum().backward();
            optimizer.step();
        }
        AssertSound(model, 120, 1, 45, "SpectralLinear(120, 60) with condition number 2e4");
    }

    internal static void AssertSound(Sequential model, long inputs, double scale, int seed, string context)
    {
        double claim = model.lipschitz_constant, perOutput = model.output_lipschitz_constant;
        Assert.True(double.IsFinite(claim), $"{context}: a TorchLip network must claim a finite constant, got {claim}");
        var batch = randn(16, inputs) * (scale / Math.Sqrt(inputs));

        var train = Float64Replay.Train(model, batch);
        Check(train, "train");
        var eval = Float64Replay.Eval(model);
        Check(eval, "eval");
        using var exported = model.vanilla_export();
        var export = Float64Replay.Export(exported, model);
        Check(export, "export");

        using (no_grad())
        {
            var probe = randn(8, inputs) * (scale / Math.Sqrt(inputs));
            var a = model.call(probe).to_type(ScalarType.Float64);
            var b = exported.call(probe).to_type(ScalarType.Float64);
            double size = a.abs().max().item<double>() + 1e-30;
            Assert.True((a - b).abs().max().item<double>() <= 1e-5 * size, $"{context}: the export computes another function than eval mode");
        }

        void Check(Float64Replay replay, string mode)
        {
            foreach (var stage in replay.Stages)
            {
                if (stage.Weight is null) continue;
                double sigma = linalg.svdvals(stage.Weight).max().item<double>();
                Assert.True(sigma <= stage.Bound * Slack, $"{context}, {mode} mode, layer {stage.Name}: σ_max = {sigma:R} > {stage.Bound:R}·(1 + 1e-5)");
                double row = stage.Weight.norm(1, false, 2.0f).max().item<double>();
                Assert.True(row <= stage.RowBound * Slack, $"{context}, {mode} mode, layer {stage.Name}: a row of norm {row:R} > {stage.RowBound:R}·(1 + 1e-5)");
            }
            double ratio = AdversarialAscent.MaxRatio(replay.Call, inputs, scale, seed);
            Assert.True(ratio <= claim * Slack, $"{context}, {mode} mode: ascent found ratio {ratio:R} > claimed {claim:R}·(1 + 1e-5)");
            if (perOutput < claim)
            {
                double outputRatio = AdversarialAscent.MaxRatio(replay.Call, inputs, scale, seed, perOutput: true);
                Assert.True(outputRatio <= perOutput * Slack, $"{context}, {mode} mode: ascent found per-output ratio {outputRatio:R} > claimed {perOutput:R}·(1 + 1e-5)");
            }
        }
    }
}

internal static class KnownMapsForTests
{
    /// <summary>A float64 (rows, cols) matrix with singular values from 1 down to 1/<paramref name="kappa"/> (log-spaced).</summary>
    public static Tensor Matrix(long rows, long cols, double kappa, Generator generator)
    {
        long rank = Math.Min(rows, cols);
        var (u, _) = linalg.qr(randn(rows, rank, dtype: ScalarType.Float64, generator: generator));
        var (v, _) = linalg.qr(randn(cols, rank, dtype: ScalarType.Float64, generator: generator));
        return (u * logspace(0, -Math.Log10(kappa), rank, dtype: ScalarType.Float64)).mm(v.t());
    }
}
