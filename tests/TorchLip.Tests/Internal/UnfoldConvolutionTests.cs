using System;
using System.Collections.Generic;
using TorchLip.Internal.Cpu;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Internal;

/// <summary>
/// The unfold + matmul convolution and the <see cref="Convolution"/> dispatch against libtorch's <c>conv2d</c>/<c>conv1d</c>:
/// outputs and the input, weight and bias gradients, for random shapes, strides, paddings, dilations and both dtypes.
/// </summary>
public class UnfoldConvolutionTests : IDisposable
{
    private readonly bool enabledBefore = UnfoldConvolution.Enabled;

    public void Dispose() => UnfoldConvolution.Enabled = enabledBefore;

    private sealed record Case(long N, long C, long O, long H, long W, long Kh, long Kw, long[] Stride, long[] Padding, long[] Dilation, bool Bias, ScalarType Dtype);

    private sealed record Result(Tensor Output, Tensor InputGrad, Tensor WeightGrad, Tensor? BiasGrad);

    public static IEnumerable<object[]> RandomCases()
    {
        var random = new Random(20261204);
        for (int i = 0; i < 24; i++)
            yield return new object[] { i, random.Next(), i % 2 == 0 ? ScalarType.Float64 : ScalarType.Float32 };
    }

    private static Case Draw(int seed, ScalarType dtype)
    {
        var r = new Random(seed);
        long kh = r.Next(1, 5), kw = r.Next(1, 5);
        long[] dilation = { r.Next(1, 3), r.Next(1, 3) }, stride = { r.Next(1, 4), r.Next(1, 4) };
        long[] padding = { r.Next(0, 3), r.Next(0, 3) };
        // Large enough for one output position at least.
        long h = dilation[0] * (kh - 1) + 1 + r.Next(0, 12), w = dilation[1] * (kw - 1) + 1 + r.Next(0, 12);
        return new Case(r.Next(1, 6), r.Next(1, 5), r.Next(1, 7), h, w, kh, kw, stride, padding, dilation, r.Next(2) == 0, dtype);
    }

    // Random x, w, b and an upstream gradient, drawn in float64 and rounded to the case's dtype; the convolution runs in
    // `precision` (default: the case's dtype) on those same numbers, or on their absolute values.
    private static Result Run(Case c, Func<Tensor, Tensor, Tensor?, Tensor> conv, long seed, ScalarType? precision = null, bool absolute = false)
    {
        manual_seed(seed);
        var p = precision ?? c.Dtype;
        Tensor Draw(params long[] shape)
        {
            var t = randn(shape, dtype: ScalarType.Float64).to_type(c.Dtype).to_type(p);
            return absolute ? t.abs() : t;
        }
        var x = Draw(c.N, c.C, c.H, c.W).requires_grad_(true);
        var w = Draw(c.O, c.C, c.Kh, c.Kw).requires_grad_(true);
        var b = c.Bias ? Draw(c.O).requires_grad_(true) : null;
        var y = conv(x, w, b);
        var sizes = new long[y.dim()];
        for (int i = 0; i < sizes.Length; i++) sizes[i] = y.size(i);
        var upstream = Draw(sizes);
        y.mul(upstream).sum().backward();
        return new Result(y.detach(), x.grad!, w.grad!, b?.grad);
    }

    // The reference: libtorch's conv2d in float64 on the same numbers, and the same convolution of their absolute values,
    // which bounds every sum's rounding (|result − exact| ≤ k·ε·Σ|terms|). Float32 results are held to the float64
    // reference rather than to libtorch's float32 conv2d, whose input gradient is wrong on some strided shapes (libtorch
    // 2.10 CPU, 4×3 kernel, stride (2, 3), padding 1, 15×3 input: differences of 9 on gradients of size 5, where this
    // path and float64 agree to 5e-7).
    private static (Result Values, Result Magnitudes) Reference(Case c, long seed)
    {
        Tensor Conv(Tensor x, Tensor w, Tensor? b) => nn.functional.conv2d(x, w, b, c.Stride, c.Padding, c.Dilation);
        return (Run(c, Conv, seed, ScalarType.Float64), Run(c, Conv, seed, ScalarType.Float64, absolute: true));
    }

    private static void AssertClose(Tensor expected, Tensor magnitude, Tensor actual, ScalarType dtype, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double tol = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        var error = expected.sub(actual.to_type(ScalarType.Float64)).abs();
        var bound = magnitude.mul(tol).clamp_min(1e-300);
        double worst = expected.numel() == 0 ? 0 : error.div(bound).max().item<double>();
        Assert.True(worst <= 1, $"{what}: error {worst:G3} times {tol}·Σ|terms|");
    }

    private static void AssertSame((Result Values, Result Magnitudes) expected, Result actual, ScalarType dtype)
    {
        var (e, m) = expected;
        AssertClose(e.Output, m.Output, actual.Output, dtype, "output");
        AssertClose(e.InputGrad, m.InputGrad, actual.InputGrad, dtype, "input gradient");
        AssertClose(e.WeightGrad, m.WeightGrad, actual.WeightGrad, dtype, "weight gradient");
        Assert.Equal(e.BiasGrad is null, actual.BiasGrad is null);
        if (e.BiasGrad is not null) AssertClose(e.BiasGrad, m.BiasGrad!, actual.BiasGrad!, dtype, "bias gradient");
    }

    // Small sums (a dozen terms each): relative to the largest entry.
    private static void AssertSame(Result expected, Result actual, ScalarType dtype)
    {
        double tol = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        void Close(Tensor e, Tensor a, string what)
        {
            Assert.Equal(e.shape, a.shape);
            var e64 = e.to_type(ScalarType.Float64);
            double scale = Math.Max(1.0, e64.abs().max().item<double>());
            double diff = e64.sub(a.to_type(ScalarType.Float64)).abs().max().item<double>();
            Assert.True(diff <= tol * scale, $"{what}: max difference {diff} against scale {scale}");
        }
        Close(expected.Output, actual.Output, "output");
        Close(expected.InputGrad, actual.InputGrad, "input gradient");
        Close(expected.WeightGrad, actual.WeightGrad, "weight gradient");
        Assert.Equal(expected.BiasGrad is null, actual.BiasGrad is null);
        if (expected.BiasGrad is not null) Close(expected.BiasGrad, actual.BiasGrad!, "bias gradient");
    }

    [Theory]
    [MemberData(nameof(RandomCases))]
    public void MatchesLibtorchConv2dAndItsGradients(int index, int seed, ScalarType dtype)
    {
        var c = Draw(seed, dtype);
        var reference = Reference(c, index);
        Assert.True(UnfoldConvolution.Handles(reference.Values.InputGrad, reference.Values.WeightGrad, c.Stride, c.Padding, c.Dilation, 1), $"case {c}");
        var unfold = Run(c, (x, w, b) => UnfoldConvolution.Conv2d(x, w, b, c.Stride, c.Padding, c.Dilation), index);
        AssertSame(reference, unfold, dtype);
        UnfoldConvolution.Enabled = true;
        Assert.True(UnfoldConvolution.Supports(unfold.InputGrad, unfold.WeightGrad, c.Stride, c.Padding, c.Dilation, 1));
        var dispatched = Run(c, (x, w, b) => Convolution.Conv2d(x, w, b, c.Stride, c.Padding, c.Dilation), index);
        AssertSame(reference, dispatched, dtype);
    }

    [Theory]
    [InlineData(100, 1, 16, 28, ScalarType.Float32)]
    [InlineData(100, 16, 32, 14, ScalarType.Float32)]
    [InlineData(7, 3, 5, 9, ScalarType.Float64)]
    public void MatchesOnTheExampleNetworksShapes(long n, long channels, long outChannels, long size, ScalarType dtype)
    {
        var c = new Case(n, channels, outChannels, size, size, 3, 3, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 1, 1 }, true, dtype);
        var reference = Reference(c, 5);
        var unfold = Run(c, (x, w, b) => UnfoldConvolution.Conv2d(x, w, b, c.Stride, c.Padding, c.Dilation), 5);
        AssertSame(reference, unfold, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float64, 1, 0, 1)]
    [InlineData(ScalarType.Float32, 2, 2, 1)]
    [InlineData(ScalarType.Float64, 1, 3, 2)]
    public void Conv1dMatchesLibtorchThroughEitherPath(ScalarType dtype, long stride, long padding, long dilation)
    {
        manual_seed(3);
        var x = randn(4, 3, 17, dtype: dtype);
        var w = randn(5, 3, 4, dtype: dtype);
        var b = randn(5, dtype: dtype);
        Result Conv1d(Func<Tensor, Tensor, Tensor?, Tensor> conv)
        {
            var xg = x.clone().requires_grad_(true); var wg = w.clone().requires_grad_(true); var bg = b.clone().requires_grad_(true);
            var y = conv(xg, wg, bg);
            y.mul(cos(y.detach())).sum().backward();
            return new Result(y.detach(), xg.grad!, wg.grad!, bg.grad);
        }
        var reference = Conv1d((xi, wi, bi) => nn.functional.conv1d(xi, wi, bi, stride, padding, dilation));
        UnfoldConvolution.Enabled = false;
        AssertSame(reference, Conv1d((xi, wi, bi) => Convolution.Conv1d(xi, wi, bi, stride, padding, dilation)), dtype);
        UnfoldConvolution.Enabled = true;
        AssertSame(reference, Conv1d((xi, wi, bi) => Convolution.Conv1d(xi, wi, bi, stride, padding, dilation)), dtype);
    }

    [Theory]
    [InlineData(4, 1, 8, 12)]
    [InlineData(2, 4, 20, 9)]
    [InlineData(16, 16, 8, 12)]
    public void TakesTheFloat32CallsWhoseLibtorchInputGradientIsWrong(long n, long channels, long outChannels, long size)
    {
        UnfoldConvolution.Enabled = false;
        var c = new Case(n, channels, outChannels, size, size, 3, 3, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[] { 1, 1 }, true, ScalarType.Float32);
        var x = zeros(n, channels, size, size).requires_grad_(true);
        var w = zeros(outChannels, channels, 3, 3);
        Assert.True(UnfoldConvolution.Supports(x, w, c.Stride, c.Padding, c.Dilation, 1));
        Assert.False(UnfoldConvolution.Supports(x.detach(), w, c.Stride, c.Padding, c.Dilation, 1));               // no input gradient
        Assert.False(UnfoldConvolution.Supports(x, zeros(16, channels, 3, 3), c.Stride, c.Padding, c.Dilation, 1)); // 16 outputs: right
        Assert.False(UnfoldConvolution.Supports(x.detach().to_type(ScalarType.Float64).requires_grad_(true),
            w.to_type(ScalarType.Float64), c.Stride, c.Padding, c.Dilation, 1));
        var reference = Reference(c, 9);
        AssertSame(reference, Run(c, (xi, wi, bi) => Convolution.Conv2d(xi, wi, bi, c.Stride, c.Padding, c.Dilation), 9), c.Dtype);
    }

    [Fact]
    public void SupportsOnlyWhatItMeasuredFasterAtAndHandles()
    {
        var x = rand(2, 3, 8, 8);
        var w = rand(4, 3, 3, 3);
        long[] one = { 1, 1 }, zero = { 0, 0 };
        UnfoldConvolution.Enabled = false;
        Assert.False(UnfoldConvolution.Supports(x, w, one, zero, one, 1)); // slower than libtorch wherever measured
        UnfoldConvolution.Enabled = true;
        Assert.True(UnfoldConvolution.Supports(x, w, one, zero, one, 1));
        Assert.True(UnfoldConvolution.Supports(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), one, zero, one, 1));
        Assert.False(UnfoldConvolution.Supports(x.to_type(ScalarType.Float16), w.to_type(ScalarType.Float16), one, zero, one, 1));
        Assert.False(UnfoldConvolution.Supports(x, w.to_type(ScalarType.Float64), one, zero, one, 1));
        Assert.True(UnfoldConvolution.Handles(rand(2, 4, 8, 8), rand(4, 2, 3, 3), one, zero, one, 2));   // groups
        Assert.False(UnfoldConvolution.Handles(rand(2, 4, 8, 8), rand(3, 2, 3, 3), one, zero, one, 2));  // 3 outputs in 2 groups
        Assert.False(UnfoldConvolution.Supports(x, w, one, new long[] { -1, 0 }, one, 1));
        Assert.False(UnfoldConvolution.Supports(x, w, new long[] { 0, 1 }, zero, one, 1));
        Assert.False(UnfoldConvolution.Supports(rand(2, 3, 2, 8), w, one, zero, one, 1)); // kernel taller than the input
        Assert.False(UnfoldConvolution.Supports(rand(0, 3, 8, 8), w, one, zero, one, 1));
    }

    [Fact]
    public void GroupsMatchAndUnsupportedDtypesFallBackToLibtorch()
    {
        UnfoldConvolution.Enabled = true;
        manual_seed(11);
        // Groups go through one product per group; half precision is not the unfold path's and goes to libtorch unchanged.
        var x = randn(3, 4, 9, 9, dtype: ScalarType.Float64);
        var w = randn(6, 2, 3, 3, dtype: ScalarType.Float64);
        var b = randn(6, dtype: ScalarType.Float64);
        long[] stride = { 2, 1 }, padding = { 1, 0 }, dilation = { 1, 2 };
        Assert.True(UnfoldConvolution.Supports(x, w, stride, padding, dilation, 2));
        var c = new Case(3, 4, 6, 9, 9, 3, 3, stride, padding, dilation, true, ScalarType.Float64);
        Result Grouped(Func<Tensor, Tensor, Tensor?, Tensor> conv)
        {
            var xg = x.clone().requires_grad_(true); var wg = w.clone().requires_grad_(true); var bg = b.clone().requires_grad_(true);
            var y = conv(xg, wg, bg);
            y.sum().backward();
            return new Result(y.detach(), xg.grad!, wg.grad!, bg.grad);
        }
        AssertSame(Grouped((xi, wi, bi) => nn.functional.conv2d(xi, wi, bi, stride, padding, dilation, 2)),
            Grouped((xi, wi, bi) => Convolution.Conv2d(xi, wi, bi, stride, padding, dilation, 2)), c.Dtype);
        var half = randn(1, 2, 5, 5).to_type(ScalarType.BFloat16);
        var halfWeight = randn(3, 2, 3, 3).to_type(ScalarType.BFloat16);
        Assert.False(UnfoldConvolution.Supports(half, halfWeight, new long[] { 1, 1 }, new long[] { 0, 0 }, new long[] { 1, 1 }, 1));
        Assert.True(Convolution.Conv2d(half, halfWeight, null, new long[] { 1, 1 }, new long[] { 0, 0 }, new long[] { 1, 1 })
            .equal(nn.functional.conv2d(half, halfWeight, null, new long[] { 1, 1 }, new long[] { 0, 0 }, new long[] { 1, 1 })).all().item<bool>());
    }
}
