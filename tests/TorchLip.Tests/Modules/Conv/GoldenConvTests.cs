using System.Collections.Generic;
using TorchLip.Constraints;
using TorchLip.Modules;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules.Conv;

/// <summary>SpectralConv2d with fixed state and the convolution coefficients against deel-torchlip 1.0.5.</summary>
public class GoldenConvTests
{
    private static readonly SpectralOptions Reference = new()
    {
        Orthonormalization = Orthonormalization.Bjorck, SpectralIterations = 1, SpectralEpsilon = 1e-3, BjorckEpsilon = 1e-3, BjorckIterations = 15,
    };

    private static SpectralConv2d ReferenceLayer(GoldenCase c, ScalarType dtype = ScalarType.Float32, SpectralOptions? options = null)
    {
        var layer = new SpectralConv2d(2, 3, TorchLip.Modules.ConvSpec.Operator(new long[] { 3, 3 }, new long[] { 1 }, new long[] { 1 }, new long[] { 1 }, 1, "zeros"), options ?? Reference);
        layer.to(dtype);
        var (missing, unexpected) = layer.load_state_dict(new Dictionary<string, Tensor>
        {
            ["weight_orig"] = c.Input("weight_raw").to(dtype), ["bias"] = c.Input("bias").to(dtype), ["u"] = c.Input("u").to(dtype), ["v"] = c.Input("v").to(dtype),
        }, strict: false);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
        return layer;
    }

    [Fact]
    public void SpectralConv2dTrainEvalAndExportMatchTheReference()
    {
        var c = Golden.Case("layers_v1_0_5.json", "SpectralConv2d_2to3_k3_pad1");
        using var layer = ReferenceLayer(c);
        Assert.Equal(3.0, layer.operator_gain, 12);   // deel-torchlip's lconv coefficient 1/3
        var x = c.Input("x");
        Golden.AssertClose(c.Expected("train_output"), layer.call(x), 1e-4, 1e-5, "train output");
        Golden.AssertClose(c.Expected("effective_kernel"), layer.weight, 1e-4, 1e-5, "effective kernel");
        layer.eval();
        var evalOut = layer.call(x);
        Golden.AssertClose(c.Expected("eval_output"), evalOut, 1e-4, 1e-5, "eval output");
        using var exported = layer.vanilla_export();
        Assert.IsType<TorchSharp.Modules.Conv2d>(exported);
        Golden.AssertClose(c.Expected("vanilla_export_output"), exported.call(x), 1e-4, 1e-5, "export output");
    }

    /// <summary>
    /// The reference truncates Björck's backward from its 5th step (this case ran 5), so its gradient has no exact twin:
    /// the layer's exact gradient is checked against float64 finite differences of the same function instead.
    /// </summary>
    [Fact]
    public void SpectralConv2dGradientIsExact()
    {
        var c = Golden.Case("gradients_v1_0_5.json", "SpectralConv2d_2to3_k3_pad1_grad");
        using var layer = ReferenceLayer(c, ScalarType.Float64, Reference with { BjorckEpsilon = null });
        var x = c.Input("x").to_type(ScalarType.Float64);
        var g = c.Input("grad_weights").to_type(ScalarType.Float64);
        var w0 = layer.raw_weight.detach().clone();
        double F(Tensor w)
        {
            using (no_grad()) layer.raw_weight.copy_(w);
            using (no_grad()) return (layer.conv_operator.Apply(x, layer.effective_weight(), layer.bias_parameter) * g).sum().item<double>();
        }
        using (no_grad()) layer.raw_weight.copy_(w0);
        (layer.conv_operator.Apply(x, layer.effective_weight(), layer.bias_parameter) * g).sum().backward();
        var analytic = layer.raw_weight.grad!.clone();
        Golden.AssertClose(c.Expected("grad_bias"), layer.bias_parameter!.grad!.to_type(ScalarType.Float32), 1e-5, 1e-6, "grad bias");
        FiniteDifferences.AssertGradient(F, w0, analytic, 1e-7, 1e-5);
    }

    [Theory]
    [MemberData(nameof(CoefficientCases))]
    public void ConvolutionCoefficientsMatchTheReference(string name)
    {
        var c = Golden.Case("pooling_sampling_v1_0_5.json", name);
        var k = c.ParamArray("kernel_size");
        var s = c.ParamArray("strides");
        double expected = c.Expected("coef").item<double>();
        double actual;
        if (k.Length == 1)
            actual = torchlip.compute_lconv_coef_1d((long)k[0], c.HasParam("input_shape") ? (long)c.ParamArray("input_shape")[0] : null, (long)s[0]);
        else
        {
            (long, long)? shape = c.HasParam("input_shape") ? ((long)c.ParamArray("input_shape")[0], (long)c.ParamArray("input_shape")[1]) : null;
            actual = torchlip.compute_lconv_coef(((long)k[0], (long)k[1]), shape, ((long)s[0], (long)s[1]));
        }
        Assert.Equal(expected, actual, 12);
    }

    /// <summary>Where the reference's coefficient (no input shape, zero padding) is a bound, the layer's gain is its inverse.</summary>
    [Theory]
    [InlineData(3, 3, 1, 3.0)]
    [InlineData(3, 3, 2, 2.0)]
    [InlineData(5, 5, 2, 3.0)]
    [InlineData(3, 5, 2, 2.449489742783178)]
    public void TheGainIsTheInverseOfTheReferenceCoefficientForZeroPadding(long kh, long kw, long stride, double gain)
    {
        using var layer = SpectralConv2d(2, 4, (kh, kw), (stride, stride), (kh / 2, kw / 2));
        Assert.Equal(gain, layer.operator_gain, 12);
        Assert.Equal(1 / gain, torchlip.compute_lconv_coef((kh, kw), null, (stride, stride)), 12);
    }

    public static IEnumerable<object[]> CoefficientCases() => Golden.Names("pooling_sampling_v1_0_5.json", n => n.StartsWith("compute_lconv_coef"));
}
