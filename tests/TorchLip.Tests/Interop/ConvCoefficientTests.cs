using System;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;

namespace TorchLip.Tests.Interop;

/// <summary>
/// What divides an imported deel-torchlip convolution's orthonormalized kernel: TorchLip's operator gain (√ of the largest
/// number of reads of one input sample) against deel-torchlip 1.0.5's 1/compute_lconv_coef = √(⌈kh/sh⌉·⌈kw/sw⌉).
/// </summary>
public sealed class ConvCoefficientTests
{
    private readonly ITestOutputHelper _output;

    public ConvCoefficientTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    [Theory]
    [InlineData(3, 1, 1, 1, "zeros")]
    [InlineData(5, 1, 2, 1, "zeros")]
    [InlineData(3, 2, 1, 1, "zeros")]
    [InlineData(4, 2, 1, 1, "zeros")]
    [InlineData(3, 1, 2, 2, "zeros")]
    [InlineData(3, 1, 1, 1, "reflect")]
    [InlineData(3, 1, 1, 1, "replicate")]
    [InlineData(3, 1, 1, 1, "circular")]
    [InlineData(3, 1, 1, 1, "symmetric")]
    [InlineData(5, 1, 2, 1, "reflect")]
    [InlineData(5, 1, 2, 1, "symmetric")]
    public void OursIsNeverBelowDeelTorchlipsEqualForZeroPaddingAboveForReflect(long kernel, long stride, long padding, long dilation, string mode)
    {
        using var layer = SpectralConv2d(2, 2, kernel, stride: stride, padding: padding, dilation: dilation, padding_mode: mode);
        double perAxis = Math.Ceiling((double)kernel / stride);
        double deel = Math.Sqrt(perAxis * perAxis);
        _output.WriteLine($"k={kernel} s={stride} p={padding} d={dilation} {mode}: TorchLip gain {layer.operator_gain:G6}, deel-torchlip {deel:G6}, output ratio {deel / layer.operator_gain:G6}");
        Assert.True(layer.operator_gain >= deel - 1e-12);
        if (mode == "zeros") Assert.Equal(deel, layer.operator_gain, 12);
        // Reflection reads the sample next to the edge twice through one window (its own tap and its mirror image).
        if (mode == "reflect") Assert.True(layer.operator_gain > deel, "reflect padding reads a sample more often than the kernel's taps");
    }
}
