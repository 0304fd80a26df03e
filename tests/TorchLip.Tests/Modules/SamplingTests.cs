using System;
using TorchLip.Modules;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// Invertible down/up-sampling: PixelUnshuffle/PixelShuffle's ordering, exact round trips, every singular value equal to
/// the claimed constant (k honoured, also from a Sequential), exports, and errors naming the argument.
/// </summary>
public class SamplingTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void DownSamplingPutsEachBlockOffsetInItsOwnChannel(int r)
    {
        using var scope = NewDisposeScope();
        long c = 2, h = 2 * r, w = 3 * r;
        var x = arange(2 * c * h * w, dtype: ScalarType.Float32).reshape(2, c, h, w);
        var y = InvertibleDownSampling(r).call(x);
        Assert.Equal(new long[] { 2, c * r * r, h / r, w / r }, y.shape);
        var input = x.data<float>().ToArray();
        var output = y.data<float>().ToArray();
        for (long n = 0; n < 2; n++)
            for (long ch = 0; ch < c; ch++)
                for (long i = 0; i < r; i++)
                    for (long j = 0; j < r; j++)
                        for (long hh = 0; hh < h / r; hh++)
                            for (long ww = 0; ww < w / r; ww++)
                            {
                                long o = ((n * c * r * r + ch * r * r + i * r + j) * (h / r) + hh) * (w / r) + ww;
                                long s = ((n * c + ch) * h + r * hh + i) * w + r * ww + j;
                                Assert.Equal(input[s], output[o]);
                            }
        Assert.True(InvertibleUpSampling(r).call(y).Same(x));
    }

    [Fact]
    public void DownThenUpAndUpThenDownRoundTripExactly()
    {
        manual_seed(81);
        using var scope = NewDisposeScope();
        var x = randn(3, 2, 6, 12);
        Assert.True(InvertibleUpSampling(2).call(InvertibleDownSampling(2).call(x)).Same(x));
        Assert.True(InvertibleUpSampling(3).call(InvertibleDownSampling(3).call(x)).Same(x));
        var z = randn(2, 18, 2, 3);
        Assert.True(InvertibleDownSampling(3).call(InvertibleUpSampling(3).call(z)).Same(z));
        // With k: 4 and 0.25 are powers of two, so the scaled round trip is exact too.
        Assert.True(InvertibleUpSampling(2, k_coef_lip: 0.25).call(InvertibleDownSampling(2, k_coef_lip: 4).call(x)).Same(x));
        using var model = Sequential(InvertibleDownSampling(2), InvertibleUpSampling(2));
        Assert.True(model.call(x).Same(x));
    }

    [Theory]
    [InlineData("down", 1.0, 1.0)]
    [InlineData("down", 1.7, 1.0)]
    [InlineData("down", 1.7, 2.5)]
    [InlineData("up", 0.6, 1.0)]
    [InlineData("up", 0.6, 2.5)]
    [InlineData("down_then_avg", 1.5, 4.0)]
    public void EverySingularValueEqualsTheClaimedConstant(string id, double k, double containerK)
    {
        using var scope = NewDisposeScope();
        LipschitzModule model;
        long c, h, w;
        switch (id)
        {
            case "down": model = InvertibleDownSampling(2, k); (c, h, w) = (2, 4, 6); break;
            case "up": model = InvertibleUpSampling(2, k); (c, h, w) = (8, 2, 3); break;
            default: model = new TorchLip.Modules.Sequential(new nn.Module<Tensor, Tensor>[] { InvertibleDownSampling(2, k), ScaledAvgPool2d(2) }); (c, h, w) = (1, 8, 8); break;
        }
        double expected = k * containerK;
        if (containerK != 1.0) model = Sequential(containerK, model is TorchLip.Modules.Sequential inner ? inner : model);
        if (id == "down_then_avg") expected = model.lipschitz_constant;
        Assert.Equal(expected, model.lipschitz_constant, 12);
        var sigma = linalg.svdvals(PoolingTests.OperatorMatrix(model, c, h, w));
        double max = sigma.max().item<double>(), min = sigma.min().item<double>();
        Assert.True(max <= model.lipschitz_constant * (1 + 1e-5), $"{id}: σ_max {max:R} > claimed {model.lipschitz_constant:R}");
        Assert.True(max >= model.lipschitz_constant * (1 - 1e-9), $"{id}: σ_max {max:R} below the claim {model.lipschitz_constant:R}");
        if (id != "down_then_avg") Assert.True(min >= max * (1 - 1e-12), $"{id}: a scaled permutation has all singular values equal (σ_min {min:R})");
    }

    [Fact]
    public void TheContainersKReachesTheSamplingLayers()
    {
        using var scope = NewDisposeScope();
        var down = InvertibleDownSampling(2, k_coef_lip: 1.5);
        var avg = ScaledAvgPool2d(2);
        using var model = Sequential(4.0, down, avg);
        Assert.Equal(3.0, down.scale_factor, 12);
        Assert.Equal(2.0, avg.scale_factor, 12);
        Assert.Equal(6.0, model.lipschitz_constant, 12);
        var x = randn(1, 1, 4, 4);
        Assert.True(down.call(x).allclose(nn.functional.pixel_unshuffle(x, 2) * 3, 1e-6, 0));
    }

    [Fact]
    public void ExportsArePixelShufflesAtScaleOneAndNewLayersOtherwise()
    {
        manual_seed(82);
        using var scope = NewDisposeScope();
        var x = randn(2, 8, 4, 6);
        var down = InvertibleDownSampling(2);
        Assert.True(Assert.IsType<TorchSharp.Modules.PixelUnshuffle>(down.vanilla_export()).call(x).Same(down.call(x)));
        var up = InvertibleUpSampling(2);
        Assert.True(Assert.IsType<TorchSharp.Modules.PixelShuffle>(up.vanilla_export()).call(x).Same(up.call(x)));

        var scaled = InvertibleUpSampling(2, k_coef_lip: 0.7);
        using var model = Sequential(2.0, scaled);
        model.eval();
        var export = Assert.IsType<InvertibleUpSampling>(scaled.vanilla_export());
        Assert.NotSame(scaled, export);
        Assert.Equal(1.4, export.k_coef_lip, 15);
        Assert.True(export.call(x).allclose(model.call(x), 1e-6, 0));
        var whole = model.vanilla_export();
        Assert.True(whole.call(x).allclose(model.call(x), 1e-6, 0));
        var downExport = Assert.IsType<InvertibleDownSampling>(InvertibleDownSampling(2, k_coef_lip: 3).vanilla_export());
        Assert.Equal(3.0, downExport.k_coef_lip);
        scaled.k_coef_lip = 1.0;                      // the export keeps the value it was made with
        Assert.Equal(1.4, export.scale_factor, 15);
    }

    private static void AssertRejects(string argument, Action build, params string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(build);
        Assert.Equal(argument, e.ParamName);
        Assert.Contains(argument, e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
    }

    [Fact]
    public void BadConfigurationsAndInputsAreErrorsNamingTheArgumentAndTheFix()
    {
        using var scope = NewDisposeScope();
        AssertRejects("kernel_size", () => InvertibleDownSampling(0));
        AssertRejects("kernel_size", () => InvertibleUpSampling(-2));
        AssertRejects("k_coef_lip", () => InvertibleUpSampling(2, k_coef_lip: -1));
        AssertRejects("input", () => InvertibleDownSampling(2).call(randn(3, 4, 4)), "(N, C, H, W)", "unsqueeze(0)");
        AssertRejects("input", () => InvertibleUpSampling(2).call(randn(8, 4, 4)), "(N, C, H, W)");
        AssertRejects("input", () => InvertibleDownSampling(2).call(randn(1, 3, 4, 5)), "width 5", "multiple of 2");
        AssertRejects("input", () => InvertibleDownSampling(3).call(randn(1, 3, 2, 3)), "height 2 is smaller");
        AssertRejects("input", () => InvertibleUpSampling(2).call(randn(1, 6, 4, 4)), "channels (6)", "multiple of kernel_size² = 4");
    }

    [Fact]
    public void DescriptionsReadLikePyTorch()
    {
        Assert.Equal("InvertibleDownSampling(kernel_size=2)", InvertibleDownSampling(2).ToString());
        Assert.Equal("InvertibleUpSampling(kernel_size=3, k_coef_lip=0.5)", InvertibleUpSampling(3, 0.5).ToString());
    }
}

/// <summary>Exact comparison of two tensors (same shape, same values).</summary>
internal static class TensorExact
{
    public static bool Same(this Tensor actual, Tensor expected) =>
        actual.shape.AsSpan().SequenceEqual(expected.shape) && actual.allclose(expected, 0, 0);
}
