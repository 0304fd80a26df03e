using System;
using System.Linq;
using TorchLip.Operators;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules.Conv;

/// <summary>The read counts behind every convolution's gain, per padding mode: hand counts, and PyTorch's own padding.</summary>
public class ConvAxisTests
{
    [Theory]
    // kernel, stride, dilation, pad, mode, largest reads on long inputs, shortest accepted input
    [InlineData(3, 1, 1, 1, PaddingMode.Zeros, 3, 1)]       // deel-torchlip's ⌈k/s⌉
    [InlineData(3, 2, 1, 1, PaddingMode.Zeros, 2, 1)]
    [InlineData(5, 2, 1, 2, PaddingMode.Zeros, 3, 1)]
    [InlineData(3, 1, 2, 2, PaddingMode.Zeros, 3, 1)]       // dilation: still one read per tap
    [InlineData(3, 1, 1, 1, PaddingMode.Reflect, 4, 4)]     // sample 1: its own 3 windows and once as the mirror of −1; 3 samples would be read 5 times
    [InlineData(5, 1, 1, 2, PaddingMode.Reflect, 6, 6)]
    [InlineData(3, 1, 1, 1, PaddingMode.Replicate, 3, 1)]   // edge: 2 + 1
    [InlineData(5, 1, 1, 2, PaddingMode.Replicate, 6, 1)]   // edge: 3 + 2 + 1
    [InlineData(5, 1, 1, 2, PaddingMode.Symmetric, 5, 2)]   // mirror with the edge: exactly k
    [InlineData(3, 1, 1, 1, PaddingMode.Circular, 3, 1)]
    public void LargestReadCountMatchesTheHandCount(long kernel, long stride, long dilation, long pad, PaddingMode mode, long expected, long minInput)
    {
        var axis = new ConvAxis(kernel, stride, dilation, pad, pad, mode);
        Assert.Equal(expected, axis.MaxReadsAnyLength());
        Assert.Equal(minInput, axis.MinInput);
    }

    /// <summary>
    /// The count against PyTorch's own padding (F.pad reflect / replicate / circular, zeros): the reads of sample i are the
    /// column sums of the 0/1 matrix of a ones kernel applied after PyTorch pads; no accepted length exceeds the claim.
    /// </summary>
    [Theory]
    [InlineData(PaddingMode.Zeros)]
    [InlineData(PaddingMode.Reflect)]
    [InlineData(PaddingMode.Replicate)]
    [InlineData(PaddingMode.Circular)]
    public void ReadCountsEqualThoseOfPyTorchsPadding(PaddingMode mode)
    {
        var rng = new Random((int)mode + 5);
        for (int trial = 0; trial < 40; trial++)
        {
            long kernel = rng.Next(1, 6), stride = rng.Next(1, 4), dilation = rng.Next(1, 3), pad = rng.Next(0, 4);
            var axis = new ConvAxis(kernel, stride, dilation, pad, pad, mode);
            for (long n = axis.MinInput; n < axis.MinInput + 12; n++)
            {
                using var scope = NewDisposeScope();
                var impulses = eye(n, dtype: ScalarType.Float64).reshape(n, 1, n);
                var padded = axis.Mode == PaddingMode.Zeros || pad == 0
                    ? nn.functional.pad(impulses, new[] { pad, pad })
                    : nn.functional.pad(impulses, new[] { pad, pad }, mode switch
                    {
                        PaddingMode.Reflect => TorchSharp.PaddingModes.Reflect,
                        PaddingMode.Replicate => TorchSharp.PaddingModes.Replicate,
                        _ => TorchSharp.PaddingModes.Circular,
                    });
                var ones = torch.ones(1, 1, kernel, dtype: ScalarType.Float64);
                var matrix = nn.functional.conv1d(padded, ones, stride: stride, dilation: dilation).reshape(n, -1);
                long reads = (long)matrix.sum(1).max().item<double>();
                Assert.Equal(reads, axis.MaxReads(n));
                Assert.True(reads <= axis.MaxReadsAnyLength(), $"k={kernel} s={stride} d={dilation} pad={pad} {mode} n={n}: {reads} reads > {axis.MaxReadsAnyLength()}");
            }
        }
    }

    [Fact]
    public void MirroredBordersMapAsNumpyDoes()
    {
        var axis = new ConvAxis(5, 1, 1, 2, 2, PaddingMode.Reflect);
        Assert.Equal(new long[] { 2, 1, 0, 1, 2, 3, 4, 5, 4, 3 }, axis.Sources(6));
        var symmetric = new ConvAxis(5, 1, 1, 2, 2, PaddingMode.Symmetric);
        Assert.Equal(new long[] { 1, 0, 0, 1, 2, 2, 1 }, symmetric.Sources(3));
    }
}
