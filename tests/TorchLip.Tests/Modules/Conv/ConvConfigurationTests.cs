using System;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules.Conv;

/// <summary>Bad convolution settings and inputs fail at once, with a message that names the argument and the fix.</summary>
public class ConvConfigurationTests
{
    [Fact]
    public void BadSettingsAreRefusedAtConstructionByName()
    {
        AssertNames("groups", () => SpectralConv2d(3, 4, 3, groups: 2));
        AssertNames("dilation", () => SpectralConvTranspose2d(2, 2, 3, stride: 2, dilation: 2));
        AssertNames("padding_mode", () => SpectralConv2d(2, 2, 3, padding: 1, padding_mode: "constant"));
        AssertNames("padding_mode", () => SpectralConvTranspose2d(2, 2, 3, padding: 1, padding_mode: "reflect"));
        AssertNames("padding", () => SpectralConv2d(2, 2, 3, Padding.Same, stride: 2));
        AssertNames("padding", () => SpectralConvTranspose2d(2, 2, 3, padding: 3));
        AssertNames("output_padding", () => SpectralConvTranspose2d(2, 2, 3, stride: 2, output_padding: 2));
        AssertNames("kernel_size", () => SpectralConv2d(2, 2, 0));
        AssertNames("stride", () => FrobeniusConv2d(2, 2, 3, stride: 0));
        AssertNames("in_channels", () => PadConv2d(0, 2, 3));
    }

    [Fact]
    public void BadInputsAreRefusedWithTheFix()
    {
        using var layer = SpectralConv2d(2, 4, 3, padding: 1, padding_mode: "reflect");
        var rank = Assert.Throws<ArgumentException>(() => layer.call(randn(2, 6, 6)));
        Assert.Contains("unsqueeze(0)", rank.Message);
        var channels = Assert.Throws<ArgumentException>(() => layer.call(randn(1, 3, 6, 6)));
        Assert.Contains("in_channels", channels.Message);
        // Reflect padding of 1 with a 3x3 kernel reads a 3-pixel axis 5 times: the layer accepts 4 pixels and more.
        var small = Assert.Throws<ArgumentException>(() => layer.call(randn(1, 2, 3, 8)));
        Assert.Contains("at least 4", small.Message);
        using (no_grad()) Assert.Equal(new long[] { 1, 4, 4, 8 }, layer.call(randn(1, 2, 4, 8)).shape);
        var dtype = Assert.Throws<ArgumentException>(() => layer.call(ones(1, 2, 6, 6, dtype: ScalarType.Int64)));
        Assert.Contains("floating-point", dtype.Message);
        using var valid = SpectralConv1d(1, 2, 5);
        Assert.Contains("at least 5", Assert.Throws<ArgumentException>(() => valid.call(randn(1, 1, 4))).Message);
    }

    [Fact]
    public void SamePaddingKeepsTheSizeAndExportsToPlainModules()
    {
        manual_seed(6);
        foreach (var mode in new[] { "zeros", "reflect", "replicate", "circular", "symmetric" })
        {
            using var layer = SpectralConv2d(2, 3, 4, Padding.Same, padding_mode: mode);   // even kernel: PyTorch's split (1, 2)
            layer.eval();
            var x = randn(2, 2, 7, 6);
            using var exported = layer.vanilla_export();
            using (no_grad())
            {
                var y = layer.call(x);
                Assert.Equal(new long[] { 2, 3, 7, 6 }, y.shape);
                Assert.True(y.allclose(exported.call(x), 1e-5, 1e-6), $"{mode}: the export computes another function");
            }
        }
    }

    private static void AssertNames(string argument, Action build)
    {
        var e = Assert.ThrowsAny<ArgumentException>(build);
        Assert.Contains(argument, e.Message);
    }
}
