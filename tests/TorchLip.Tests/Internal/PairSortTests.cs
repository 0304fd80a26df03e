using System;
using TorchLip.Internal.Cpu;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Internal;

/// <summary>The host GroupSort2 node against the libtorch path it replaces: values and gradients, ties and NaN included.</summary>
public class PairSortTests
{
    // The libtorch path of group_sort(input, 2) along dimension 1.
    private static Tensor Reference(Tensor input)
    {
        var sizes = new long[input.dim() + 1];
        sizes[0] = input.size(0);
        sizes[1] = input.size(1) / 2;
        sizes[2] = 2;
        for (int i = 2; i < input.dim(); i++) sizes[i + 1] = input.size(i);
        var grouped = input.reshape(sizes);
        var (a, b) = (grouped.select(2, 0), grouped.select(2, 1));
        return stack(new[] { minimum(a, b), maximum(a, b) }, 2).reshape(input.shape);
    }

    private static (Tensor Output, Tensor Grad) Run(Tensor x, Tensor upstream, Func<Tensor, Tensor> f)
    {
        var input = x.clone().requires_grad_(true);
        var y = f(input);
        y.mul(upstream).sum().backward();
        return (y.detach(), input.grad!);
    }

    private static void AssertSame(Tensor x, Func<Tensor, Tensor> candidate)
    {
        var upstream = randn_like(x);
        var (ye, ge) = Run(x, upstream, Reference);
        var (ya, ga) = Run(x, upstream, candidate);
        Assert.True(ye.equal(ya).all().item<bool>() || ye.allclose(ya, 0, 0, equal_nan: true), "values");
        // The tie average (g_min + g_max)/2 may round differently from g/2 + g/2 in the last bit.
        double tol = x.dtype == ScalarType.Float32 ? 1e-6 : 1e-15;
        Assert.True(ge.allclose(ga, tol, tol, equal_nan: true),
            $"gradient: max difference {ge.sub(ga).abs().nan_to_num(0).max().to_type(ScalarType.Float64).item<double>()}");
    }

    [Theory]
    [InlineData(new long[] { 100, 16, 28, 28 }, ScalarType.Float32)]
    [InlineData(new long[] { 3, 4, 5, 7 }, ScalarType.Float64)]
    [InlineData(new long[] { 2, 6, 17 }, ScalarType.Float32)]
    [InlineData(new long[] { 5, 2, 3, 3, 3 }, ScalarType.Float64)]
    [InlineData(new long[] { 4, 32, 14, 14 }, ScalarType.Float64)]
    public void MatchesTheLibtorchPathForwardAndBackward(long[] shape, ScalarType dtype)
    {
        manual_seed(17);
        var x = randn(shape, dtype: dtype);
        Assert.True(PairSort.Handles(x));
        Assert.False(PairSort.Supports(x));    // no gradient: the libtorch path
        Assert.True(PairSort.Supports(x.detach().requires_grad_(true)));
        AssertSame(x, PairSort.Apply);
        AssertSame(x, t => TorchLip.torchlip.group_sort_2(t));
        using (no_grad()) Assert.True(PairSort.Apply(x).equal(Reference(x)).all().item<bool>(), "no-grad values");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void TiesSplitTheGradientAndNaNPropagatesAsLibtorch(ScalarType dtype)
    {
        manual_seed(5);
        // Few distinct values: many ties; then a few NaNs.
        var x = randint(0, 3, new long[] { 4, 6, 9, 5 }).to_type(dtype);
        AssertSame(x, PairSort.Apply);
        var flat = x.view(-1);
        flat[3] = tensor(double.NaN, dtype: dtype);
        flat[100] = tensor(double.NaN, dtype: dtype);
        flat[100 + 45] = tensor(double.NaN, dtype: dtype);
        AssertSame(x, PairSort.Apply);
    }

    [Fact]
    public void HandlesOnlyInputsWithPlanesToVectorizeAndSupportsOnlyWhereAGradientFlows()
    {
        Assert.False(PairSort.Handles(randn(8, 16)));              // dense layers: the libtorch path
        Assert.False(PairSort.Handles(randn(8, 16, 2, 2)));        // planes of 4
        Assert.False(PairSort.Handles(randn(8, 3, 5, 5)));         // odd channel count
        Assert.False(PairSort.Handles(randn(8, 4, 5, 5).to_type(ScalarType.BFloat16)));
        Assert.True(PairSort.Handles(randn(8, 4, 5, 5)));
        using (no_grad()) Assert.False(PairSort.Supports(randn(8, 4, 5, 5).requires_grad_(true)));
        // A non-contiguous input is read through a contiguous copy.
        var x = randn(2, 5, 6, 4).transpose(2, 3)[.., ..4];
        Assert.True(PairSort.Handles(x));
        AssertSame(x, PairSort.Apply);
    }
}
