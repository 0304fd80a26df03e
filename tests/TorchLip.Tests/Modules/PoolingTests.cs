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
/// The scaled pooling layers: their claimed constant is the true L2 bound of their map (exact operator norm for the
/// linear pools, random pairs and gradient ascent for the L2-norm pools), alone and inside a Sequential with its own k;
/// exports compute the same function; bad configurations and inputs are errors naming the argument; an all-zero window
/// has gradient 0.
/// </summary>
public class PoolingTests
{
    /// <summary>A layer on an input of (C, H, W), alone or as the only Lipschitz child of a Sequential(K).</summary>
    private sealed record Setup(LipschitzModule Model, LipschitzModule Layer, double Claimed, long C, long H, long W);

    private static Setup Build(string id, double containerK)
    {
        (LipschitzModule layer, long c, long h, long w) = id switch
        {
            "avg_k2" => ((LipschitzModule)ScaledAvgPool2d(2), 2L, 4L, 4L),
            "avg_2x3_k1.7" => (ScaledAvgPool2d((2, 3), k_coef_lip: 1.7), 2, 4, 6),
            "avg_3_ceil_5x7_k0.6" => (ScaledAvgPool2d(3, ceil_mode: true, k_coef_lip: 0.6), 2, 5, 7),
            "adaptive_avg_k2.2" => (ScaledAdaptiveAvgPool2d(k_coef_lip: 2.2), 3, 3, 5),
            "l2_k2" => (ScaledL2NormPool2d(2), 2, 4, 4),
            "l2_2x3_k1.7" => (ScaledL2NormPool2d((2, 3), k_coef_lip: 1.7), 2, 4, 6),
            "l2_3_ceil_5x7_k0.6" => (ScaledL2NormPool2d(3, ceil_mode: true, k_coef_lip: 0.6), 2, 5, 7),
            "adaptive_l2_k2.2" => (ScaledAdaptativeL2NormPool2d(k_coef_lip: 2.2), 3, 3, 5),
            _ => throw new ArgumentException(id),
        };
        if (containerK == 1.0) return new Setup(layer, layer, layer.lipschitz_constant, c, h, w);
        var model = Sequential(containerK, layer);
        Assert.Equal(layer.k_coef_lip * containerK, layer.scale_factor, 12);
        Assert.Equal(layer.scale_factor, layer.lipschitz_constant, 12);
        Assert.Equal(layer.lipschitz_constant, model.lipschitz_constant, 12);
        return new Setup(model, layer, model.lipschitz_constant, c, h, w);
    }

    public static IEnumerable<object[]> LinearCases()
    {
        foreach (var id in new[] { "avg_k2", "avg_2x3_k1.7", "avg_3_ceil_5x7_k0.6", "adaptive_avg_k2.2" })
            foreach (var container in new[] { 1.0, 2.5 })
                yield return new object[] { id, container };
    }

    public static IEnumerable<object[]> NormCases()
    {
        foreach (var id in new[] { "l2_k2", "l2_2x3_k1.7", "l2_3_ceil_5x7_k0.6", "adaptive_l2_k2.2" })
            foreach (var container in new[] { 1.0, 2.5 })
                yield return new object[] { id, container };
    }

    /// <summary>The operator matrix of a linear map on (C, H, W) inputs, from its impulse responses, in float64.</summary>
    internal static Tensor OperatorMatrix(nn.Module<Tensor, Tensor> model, long c, long h, long w)
    {
        long d = c * h * w;
        var impulses = eye(d, dtype: ScalarType.Float64).reshape(d, c, h, w);
        using (no_grad()) return model.call(impulses).reshape(d, -1).t();
    }

    [Theory]
    [MemberData(nameof(LinearCases))]
    public void LinearPoolsHaveExactlyTheirClaimedOperatorNorm(string id, double containerK)
    {
        using var scope = NewDisposeScope();
        var s = Build(id, containerK);
        var matrix = OperatorMatrix(s.Model, s.C, s.H, s.W);
        // The map is linear: f(x) = M·x, so no bias hides in the impulse responses.
        var x = randn(3, s.C, s.H, s.W, dtype: ScalarType.Float64);
        using (no_grad())
            Assert.True(s.Model.call(x).reshape(3, -1).allclose(x.reshape(3, -1).matmul(matrix.t()), 1e-12, 1e-12), $"{id}: the map is M·x");
        double sigma = linalg.svdvals(matrix).max().item<double>();
        Assert.True(sigma <= s.Claimed * (1 + 1e-5), $"{id} (container {containerK}): operator norm {sigma:R} > claimed {s.Claimed:R}");
        Assert.True(sigma >= s.Claimed * (1 - 1e-9), $"{id} (container {containerK}): operator norm {sigma:R} well below the claim {s.Claimed:R}");
    }

    [Theory]
    [MemberData(nameof(NormCases))]
    public void L2NormPoolsStayWithinTheirConstantUnderRandomPairsAndAscent(string id, double containerK)
    {
        manual_seed(71);
        using var scope = NewDisposeScope();
        var s = Build(id, containerK);
        long d = s.C * s.H * s.W;
        Tensor F(Tensor flat) => s.Model.call(flat.reshape(flat.size(0), s.C, s.H, s.W)).reshape(flat.size(0), -1);

        var x = randn(256, d, dtype: ScalarType.Float64);
        var far = randn(256, d, dtype: ScalarType.Float64);
        var near = x + 1e-4 * randn(256, d, dtype: ScalarType.Float64);
        // Sign flips inside windows: the norm does not see them, the ratio stays 0 there; zero windows: the kink.
        var zeroed = x * (randn(256, d, dtype: ScalarType.Float64) > 0).to_type(ScalarType.Float64);
        double random = Math.Max(Math.Max(Lipschitz.MaxPairRatio(F, x, far), Lipschitz.MaxPairRatio(F, x, near)), Lipschitz.MaxPairRatio(F, x, zeroed));
        double ascent = AdversarialAscent.MaxRatio(F, d, 1.0, 71);
        double worst = Math.Max(random, ascent);
        Assert.True(worst <= s.Claimed * (1 + 1e-5), $"{id} (container {containerK}): ratio {worst:R} > claimed {s.Claimed:R}");
        // The ascent finds the bound (x and a multiple of it reach it exactly), so the claim is not loose either.
        Assert.True(ascent >= s.Claimed * 0.99, $"{id} (container {containerK}): the ascent reached only {ascent:R} of {s.Claimed:R}");
    }

    public static IEnumerable<object[]> AllCases()
    {
        foreach (var c in LinearCases()) yield return c;
        foreach (var c in NormCases()) yield return c;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ExportComputesTheEvalFunctionAndSharesNothing(string id, double containerK)
    {
        manual_seed(72);
        using var scope = NewDisposeScope();
        var s = Build(id, containerK);
        s.Model.eval();
        var x = randn(4, s.C, s.H, s.W);
        var expected = s.Model.call(x);
        var export = s.Model.vanilla_export();
        var actual = export.call(x);
        Assert.True((actual - expected).abs().max().item<float>() <= 1e-6 * expected.abs().max().item<float>(), $"{id}: export differs");

        var layerExport = s.Layer.vanilla_export();
        Assert.NotSame(s.Layer, layerExport);
        if (layerExport is LipschitzModule copy)
        {
            Assert.Equal(s.Layer.GetType(), copy.GetType());
            Assert.Equal(s.Layer.scale_factor, copy.k_coef_lip, 15);
            Assert.Equal(s.Layer.scale_factor, copy.scale_factor, 15);
            // A later change of k here leaves the export alone.
            s.Layer.k_coef_lip = s.Layer.k_coef_lip * 3;
            Assert.True(layerExport.call(x).allclose(s.Layer.call(x) / 3, 1e-5, 1e-6));
        }
    }

    [Fact]
    public void TheL2NormPoolExportsToLPPool2dAtScaleOneOnly()
    {
        manual_seed(73);
        using var scope = NewDisposeScope();
        var x = randn(3, 2, 6, 4);
        using var plain = ScaledL2NormPool2d((3, 2));
        var lp = Assert.IsType<TorchSharp.Modules.LPPool2d>(plain.vanilla_export());
        Assert.True(lp.call(x).allclose(plain.call(x), 1e-6, 1e-7));
        var zero = zeros(1, 2, 6, 4);
        Assert.Equal(0.0f, lp.call(zero).abs().max().item<float>());

        Assert.IsType<ScaledL2NormPool2d>(ScaledL2NormPool2d(2, k_coef_lip: 2).vanilla_export());
        Assert.IsType<ScaledL2NormPool2d>(ScaledL2NormPool2d(2, ceil_mode: true).vanilla_export());
        using var inContainer = ScaledL2NormPool2d(2);
        using var model = Sequential(4.0, inContainer);
        Assert.IsType<ScaledL2NormPool2d>(inContainer.vanilla_export());
        Assert.IsType<ScaledAvgPool2d>(ScaledAvgPool2d(2).vanilla_export());
        Assert.IsType<ScaledAdaptiveAvgPool2d>(ScaledAdaptiveAvgPool2d().vanilla_export());
        Assert.IsType<ScaledAdaptativeL2NormPool2d>(ScaledAdaptativeL2NormPool2d().vanilla_export());
    }

    [Fact]
    public void ThePoolsComputeTheirFormulas()
    {
        manual_seed(74);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 4, 6);
        // Windows of 2×3: split H and W into (blocks, window) and reduce over the window axes.
        var windows = x.reshape(2, 3, 2, 2, 2, 3);
        var sums = windows.sum(new long[] { 3, 5 });
        var norms = windows.pow(2).sum(new long[] { 3, 5 }).sqrt();
        Assert.True(ScaledAvgPool2d((2, 3), k_coef_lip: 1.5).call(x).allclose(sums / Math.Sqrt(6) * 1.5, 1e-5, 1e-6));
        Assert.True(nn.AvgPool2d((2, 3)).call(x).mul(Math.Sqrt(6)).allclose(ScaledAvgPool2d((2, 3)).call(x), 1e-5, 1e-6));
        Assert.True(ScaledL2NormPool2d((2, 3), k_coef_lip: 1.5).call(x).allclose(norms * 1.5, 1e-5, 1e-6));
        Assert.True(ScaledAdaptiveAvgPool2d().call(x).allclose(x.mean(new long[] { 2, 3 }, keepdim: true) * Math.Sqrt(24), 1e-5, 1e-6));
        Assert.True(ScaledAdaptativeL2NormPool2d(1, 0.5).call(x).allclose(x.pow(2).sum(new long[] { 2, 3 }, keepdim: true).sqrt() * 0.5, 1e-5, 1e-6));
    }

    [Fact]
    public void PartialWindowsUnderCeilModeGiveTheirSumOrNormOverTheFullWindowsRoot()
    {
        using var scope = NewDisposeScope();
        var x = ones(1, 1, 3, 3);
        // Kernel 2 on 3×3 with ceil_mode: windows of 4, 2, 2 and 1 ones; each gives sum / √4 (avg) or √(count) (L2).
        var avg = ScaledAvgPool2d(2, ceil_mode: true).call(x);
        Assert.Equal(new[] { 2.0f, 1.0f, 1.0f, 0.5f }, avg.flatten().data<float>().ToArray());
        var l2 = ScaledL2NormPool2d(2, ceil_mode: true).call(x);
        Assert.True(l2.flatten().allclose(tensor(new[] { 2.0f, MathF.Sqrt(2), MathF.Sqrt(2), 1.0f }), 1e-6, 0));
        // PyTorch's own AvgPool2d (and so deel-torchlip's factor) would give the partial windows their average times 2:
        // a corner of one element would then map x to 2x, a 2-Lipschitz map.
        Assert.Equal(2.0f, nn.AvgPool2d(2, ceil_mode: true).call(x).mul(2.0).flatten()[3].item<float>());
        // nn.LPPool2d likewise: its one-element corner window gives 2·|x|, so it is no export under ceil_mode.
        Assert.Equal(2.0f, nn.LPPool2d(2, 2, ceil_mode: true).call(x).flatten()[3].item<float>(), 5);
    }

    [Fact]
    public void AllZeroWindowsHaveGradientZeroNotNaN()
    {
        using var scope = NewDisposeScope();
        var values = randn(2, 3, 4, 4);
        values[.., .., ..2, ..2] = zeros(2, 3, 2, 2);   // one all-zero 2×2 window per channel
        values[1, 2] = zeros(4, 4);                     // and one all-zero channel
        foreach (var layer in new LipschitzModule[] { ScaledL2NormPool2d(2, k_coef_lip: 1.5), ScaledAdaptativeL2NormPool2d(k_coef_lip: 1.5) })
        {
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            {
                var x = values.to_type(dtype).detach().clone().requires_grad_(true);
                var y = layer.call(x);
                y.sum().backward();
                var g = x.grad!;
                Assert.True(isfinite(g).all().item<bool>(), $"{layer}: non-finite gradient at an all-zero window ({dtype})");
                Assert.Equal(0.0, g[.., .., ..2, ..2].abs().max().to_type(ScalarType.Float64).item<double>());
                Assert.Equal(0.0, g[1, 2].abs().max().to_type(ScalarType.Float64).item<double>());
                Assert.Equal(0.0, y.detach()[1, 2].abs().max().to_type(ScalarType.Float64).item<double>());
            }
            // Elsewhere the gradient is k·x/‖window‖: 2×2 windows for the pool, the whole channel for the global one.
            var z = values.to_type(ScalarType.Float64).detach().clone().requires_grad_(true);
            layer.call(z).sum().backward();
            var zd = z.detach();
            var norms = layer is ScaledL2NormPool2d
                ? nn.functional.avg_pool2d(zd * zd, 2, divisor_override: 1).sqrt().repeat_interleave(2, 2).repeat_interleave(2, 3)
                : (zd * zd).sum(new long[] { 2, 3 }, keepdim: true).sqrt().expand_as(zd);
            var expected = torch.where(norms > 0, 1.5 * zd / norms.clamp_min(1e-300), zeros_like(zd));
            Assert.True(z.grad!.allclose(expected, 1e-12, 1e-12), $"{layer}: gradient k·x/‖window‖");
        }
    }

    [Fact]
    public void StrideIsComparedByValueAndOutputSizeOneMeansTheGlobalPool()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 2, 4, 4);
        var reference = ScaledAvgPool2d(2).call(x);
        Assert.True(ScaledAvgPool2d(2, stride: (2, 2)).call(x).Same(reference));
        Assert.True(ScaledAvgPool2d((2, 2), stride: 2, padding: 0, divisor_override: 4).call(x).Same(reference));
        Assert.True(ScaledAvgPool2d((2L, 2L), stride: 2L, count_include_pad: false).call(x).Same(reference));
        Assert.True(ScaledL2NormPool2d(2, stride: (2, 2)).call(x).Same(ScaledL2NormPool2d((2, 2)).call(x)));
        Assert.True(ScaledAdaptiveAvgPool2d(1).call(x).Same(ScaledAdaptiveAvgPool2d((1, 1)).call(x)));
        Assert.True(ScaledAdaptativeL2NormPool2d(1).call(x).Same(ScaledAdaptativeL2NormPool2d().call(x)));
    }

    private static void AssertRejects(string argument, Action build, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(build);
        Assert.Equal(argument, e.ParamName);
        Assert.Contains(argument, e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void BadConfigurationsAreErrorsNamingTheArgumentAndTheFix()
    {
        AssertRejects("stride", () => ScaledAvgPool2d(2, stride: 1), "must equal kernel_size", "Leave stride unset");
        AssertRejects("stride", () => ScaledAvgPool2d((2, 3), stride: (3, 2)), "(3, 2)", "(2, 3)");
        AssertRejects("padding", () => ScaledAvgPool2d(2, padding: 1), "must be 0", "nn.functional.pad");
        AssertRejects("divisor_override", () => ScaledAvgPool2d(2, divisor_override: 1), "k_coef_lip");
        AssertRejects("kernel_size", () => ScaledAvgPool2d(0));
        AssertRejects("kernel_size", () => ScaledAvgPool2d((2, -1)));
        AssertRejects("k_coef_lip", () => ScaledAvgPool2d(2, k_coef_lip: 0));
        AssertRejects("stride", () => ScaledL2NormPool2d(3, stride: 2), "must equal kernel_size");
        AssertRejects("kernel_size", () => ScaledL2NormPool2d((0, 2)));
        AssertRejects("output_size", () => ScaledAdaptiveAvgPool2d((2, 2)), "(1, 1)", "ScaledAvgPool2d");
        AssertRejects("output_size", () => ScaledAdaptativeL2NormPool2d(3), "(1, 1)", "ScaledL2NormPool2d");
        AssertRejects("k_coef_lip", () => ScaledAdaptativeL2NormPool2d(k_coef_lip: double.NaN));
    }

    [Fact]
    public void BadInputsAreErrorsNamingTheExpectedShapeAndTheFix()
    {
        using var scope = NewDisposeScope();
        foreach (var layer in new LipschitzModule[] { ScaledAvgPool2d(2), ScaledL2NormPool2d(2), ScaledAdaptiveAvgPool2d(), ScaledAdaptativeL2NormPool2d() })
        {
            AssertRejects("input", () => layer.call(randn(3, 4, 4)), "(N, C, H, W)", "[3, 4, 4]", "unsqueeze(0)");
            AssertRejects("input", () => layer.call(ones(1, 1, 4, 4, dtype: ScalarType.Int64)), "floating-point");
        }
        AssertRejects("input", () => ScaledAvgPool2d(2).call(randn(1, 1, 5, 4)), "height 5", "multiple of 2", "ceil_mode: true");
        AssertRejects("input", () => ScaledL2NormPool2d((2, 3)).call(randn(1, 1, 4, 4)), "width 4", "kernel_size[1] = 3");
        AssertRejects("input", () => ScaledAvgPool2d(3, ceil_mode: true).call(randn(1, 1, 2, 4)), "height 2 is smaller than kernel_size (3, 3)");
        AssertRejects("input", () => ScaledL2NormPool2d(3, ceil_mode: true).call(randn(1, 1, 4, 2)), "width 2 is smaller");
    }

    [Fact]
    public void DescriptionsReadLikePyTorch()
    {
        Assert.Equal("ScaledAvgPool2d(kernel_size=(2, 2), stride=(2, 2))", ScaledAvgPool2d(2).ToString());
        Assert.Equal("ScaledAvgPool2d(kernel_size=(2, 3), stride=(2, 3), ceil_mode=True, k_coef_lip=0.5)", ScaledAvgPool2d((2, 3), ceil_mode: true, k_coef_lip: 0.5).ToString());
        Assert.Equal("ScaledL2NormPool2d(kernel_size=(2, 2), stride=(2, 2))", ScaledL2NormPool2d(2).ToString());
        Assert.Equal("ScaledAdaptiveAvgPool2d(output_size=(1, 1))", ScaledAdaptiveAvgPool2d().ToString());
        Assert.Equal("ScaledAdaptativeL2NormPool2d(output_size=(1, 1), k_coef_lip=2)", ScaledAdaptativeL2NormPool2d(k_coef_lip: 2).ToString());
    }
}
