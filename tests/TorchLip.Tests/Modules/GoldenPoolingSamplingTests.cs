using System.Collections.Generic;
using TorchLip.Modules;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// Pooling and sampling layers against deel-torchlip 1.0.5 (pools rtol 1e-5 / atol 1e-6, pixel (un)shuffle exact).
/// The <c>compute_lconv_coef*</c> cases of the same file belong to the convolution layers' tests.
/// </summary>
public class GoldenPoolingSamplingTests
{
    private const string File = "pooling_sampling_v1_0_5.json";

    public static IEnumerable<object[]> Cases() => Golden.Names(File, n => !n.StartsWith("compute_lconv_coef") && !n.StartsWith("v011_"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void LayerMatchesReference(string name)
    {
        var c = Golden.Case(File, name);
        using var scope = NewDisposeScope();
        var x = c.Input("input");
        long r = name.StartsWith("Scaled") && name.Contains("Adapt") ? 0 : (long)c.Param("kernel_size");
        (LipschitzModule layer, double tol) = name switch
        {
            "ScaledAvgPool2d_k2" => ((LipschitzModule)ScaledAvgPool2d(r), 1e-5),
            "ScaledL2NormPool2d_k2" => (ScaledL2NormPool2d(r), 1e-5),
            "ScaledAdaptiveAvgPool2d_1x1" => (ScaledAdaptiveAvgPool2d(Output(c)), 1e-5),
            "ScaledAdaptativeL2NormPool2d_1x1" => (ScaledAdaptativeL2NormPool2d(Output(c)), 1e-5),
            "InvertibleDownSampling_k2" => (InvertibleDownSampling(r), 0.0),
            "InvertibleUpSampling_k2" => (InvertibleUpSampling(r), 0.0),
            "InvertibleUpSampling_of_DownSampling_k2" => (Sequential(InvertibleDownSampling(r), InvertibleUpSampling(r)), 0.0),
            _ => throw new KeyNotFoundException($"no layer for golden case {name}: add it here"),
        };
        Golden.AssertClose(c.Expected("output"), layer.call(x), tol, tol / 10, name);
        layer.eval();
        Golden.AssertClose(c.Expected("output"), layer.vanilla_export().call(x), tol, tol / 10, name + " (export)");
    }

    private static Size2d Output(GoldenCase c)
    {
        var size = c.ParamArray("output_size");
        return ((long)size[0], (long)size[1]);
    }

    [Fact]
    public void TheSamplingLayersFollowPixelShuffleNotTheOldBlockSplit()
    {
        // v0.1.1's functional down-sampling split the image into blocks; the layers (v1.0.5, PixelUnshuffle) interleave.
        var down = Golden.Case(File, "v011_invertible_downsample_k2");
        Assert.False(InvertibleDownSampling(2).call(down.Input("input")).Same(down.Expected("output")));
        var up = Golden.Case(File, "v011_invertible_upsample_k2");
        Assert.False(InvertibleUpSampling(2).call(up.Input("input")).Same(up.Expected("output")));
    }
}
