using System;
using TorchLip.Normalizers;
using TorchLip.Internal.Cpu;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

/// <summary>The host-side element-wise kernels against the same formulas in libtorch.</summary>
public class HostMatrixTests
{
    [Theory]
    [InlineData(8, ScalarType.Float32)]
    [InlineData(128, ScalarType.Float32)]
    [InlineData(40, ScalarType.Float32)]
    [InlineData(13, ScalarType.Float32)]
    [InlineData(64, ScalarType.Float64)]
    [InlineData(13, ScalarType.Float64)]
    public void SymmetricPartMatchesTorch(int n, ScalarType dtype)
    {
        manual_seed(51);
        var x = randn(n, n, dtype: dtype);
        var y = randn(n, n, dtype: dtype);
        foreach (var (a, b) in new[] { (1.0, 0.0), (-0.375, -0.5), (2.0, 3.0) })
        {
            var dst = empty(n, n, dtype: dtype);
            if (dtype == ScalarType.Float32)
                HostMatrix.SymmetricPart(HostMatrix.Values<float>(x), (float)a, HostMatrix.Values<float>(y), (float)b, HostMatrix.Values<float>(dst), n);
            else
                HostMatrix.SymmetricPart(HostMatrix.Values<double>(x), a, HostMatrix.Values<double>(y), b, HostMatrix.Values<double>(dst), n);
            var expected = (x + x.t()) * a + y * b;
            double tol = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
            Assert.True(dst.allclose(expected, tol, tol), $"n={n}, a={a}, b={b}: max difference {(dst - expected).abs().max().to_type(ScalarType.Float64).item<double>()}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void IdentityMinusReturnsTheResidualNorm(ScalarType dtype)
    {
        manual_seed(52);
        var q = eye(37, dtype: dtype) + randn(37, 37, dtype: dtype) * 1e-3;
        var expected = eye(37, dtype: dtype) - q;
        double norm = dtype == ScalarType.Float32
            ? HostMatrix.IdentityMinus(HostMatrix.Values<float>(q), 37)
            : HostMatrix.IdentityMinus(HostMatrix.Values<double>(q), 37);
        double tol = dtype == ScalarType.Float32 ? 1e-6 : 1e-14;
        Assert.True(q.allclose(expected, tol, tol));
        Assert.Equal(expected.norm().to_type(ScalarType.Float64).item<double>(), norm, dtype == ScalarType.Float32 ? 1e-7 : 1e-15);
    }
}
