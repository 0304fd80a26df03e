using System;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Functional;

/// <summary>
/// full_sort and group_sort against torch.sort (stable): the same values bit for bit and the same gradient, for every
/// row length, dtype and the special values (ties, ±0, ±∞, NaN), whichever sort implementation runs underneath.
/// </summary>
public class SortActivationTests
{
    private static bool Same(Tensor? a, Tensor? b) =>
        a is not null && b is not null && a.shape.AsSpan().SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Theory]
    [InlineData(1, ScalarType.Float32)]
    [InlineData(3, ScalarType.Float32)]
    [InlineData(8, ScalarType.Float32)]
    [InlineData(33, ScalarType.Float32)]
    [InlineData(128, ScalarType.Float32)]
    [InlineData(256, ScalarType.Float32)]
    [InlineData(300, ScalarType.Float32)]
    [InlineData(5, ScalarType.Float64)]
    [InlineData(64, ScalarType.Float64)]
    [InlineData(257, ScalarType.Float64)]
    public void FullSortMatchesTorchSortValuesAndGradient(int length, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        manual_seed(length);
        // Rounded to a coarse grid so that rows contain ties, whose gradients must follow the stable order.
        var x = (randn(37, length, dtype: dtype) * 4).round().div(4).requires_grad_(true);
        var g = randn(37, length, dtype: dtype);
        var reference = x.detach().clone().requires_grad_(true);

        var y = full_sort(x);
        y.backward(new[] { g });
        var expected = reference.sort(1, stable: true).Values;
        expected.backward(new[] { g });

        Assert.True(Same(y, expected), "sorted values differ from torch.sort");
        Assert.True(Same(x.grad, reference.grad), "gradient differs from torch.sort's");
    }

    [Fact]
    public void SpecialValuesSortLikeTorch()
    {
        using var scope = NewDisposeScope();
        float nan = float.NaN, inf = float.PositiveInfinity;
        var x = tensor(new[] { 3f, -nan, -inf, 0f, -0f, inf, nan, -2f, 0f, 1e-45f, -1e-45f, 3f }).reshape(1, -1).requires_grad_(true);
        var g = arange(12, dtype: ScalarType.Float32).reshape(1, -1);
        var y = full_sort(x);
        y.backward(new[] { g });

        var reference = x.detach().clone().requires_grad_(true);
        var expected = reference.sort(1, stable: true).Values;
        expected.backward(new[] { g });

        Assert.True(Same(y.isnan(), expected.isnan()), $"NaN positions differ: {y.str()} vs {expected.str()}");
        var finite = expected.isnan().logical_not();
        Assert.True(Same(y.masked_select(finite), expected.masked_select(finite)), $"{y.str()} vs {expected.str()}");
        Assert.True(Same(x.grad, reference.grad), $"{x.grad!.str()} vs {reference.grad!.str()}");
    }

    [Fact]
    public void ManyRowsAcrossThreadsMatchTorchSort()
    {
        int threads = get_num_threads();
        set_num_threads(2);
        try
        {
            using var scope = NewDisposeScope();
            manual_seed(3);
            var x = randn(3001, 96);
            Assert.True(Same(full_sort(x), x.sort(1, stable: true).Values));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(8, -1)]
    public void GroupSortSortsEachGroupOfTheLastDimension(int group, int dim)
    {
        using var scope = NewDisposeScope();
        manual_seed(group);
        var x = randn(5, 3, 16, dtype: ScalarType.Float64).requires_grad_(true);
        int d = dim < 0 ? 2 : dim;
        var y = group_sort(x, group, d);
        var g = randn_like(y);
        y.backward(new[] { g });

        var shape = d == 2 ? new long[] { 5, 3, 16 / group, group } : new long[] { 5, 3 / 1, 16, 1 };
        var reference = x.detach().clone().requires_grad_(true);
        Tensor expected;
        if (d == 2) expected = reference.reshape(shape).sort(3, stable: true).Values.reshape(5, 3, 16);
        else
        {
            // dim 1 has 3 channels: a group of 4 or more sorts them all.
            expected = reference.sort(1, stable: true).Values;
        }
        expected.backward(new[] { g });
        Assert.True(Same(y, expected));
        Assert.True(Same(x.grad, reference.grad));
    }

    [Fact]
    public void WithoutGradientTheInputIsLeftAlone()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 10);
        var copy = x.clone();
        using (no_grad()) _ = full_sort(x);
        Assert.True(Same(x, copy));
        Assert.True(Same(full_sort(x.t()), x.t().contiguous().sort(1, stable: true).Values), "non-contiguous input");
    }
}
