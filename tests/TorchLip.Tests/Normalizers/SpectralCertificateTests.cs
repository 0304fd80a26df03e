using System;
using TorchLip.Normalizers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Normalizers;

/// <summary>The certificate's bounds are upper bounds of the true spectral norm, and tight where they must be.</summary>
public class SpectralCertificateTests
{
    private static double Sigma(Tensor w) => linalg.svdvals(w.to_type(ScalarType.Float64)).max().item<double>();

    private static Tensor Spectrum(long rows, long cols, double kappa, long seed, ScalarType dtype)
    {
        using var generator = new Generator((ulong)seed);
        long rank = Math.Min(rows, cols);
        var (u, _) = linalg.qr(randn(rows, rank, dtype: ScalarType.Float64, generator: generator));
        var (v, _) = linalg.qr(randn(cols, rank, dtype: ScalarType.Float64, generator: generator));
        return (u * logspace(0, -Math.Log10(kappa), rank, dtype: ScalarType.Float64)).mm(v.t()).to_type(dtype);
    }

    [Theory]
    [InlineData(16, 64, 1.0)]
    [InlineData(64, 64, 10.0)]
    [InlineData(128, 784, 300.0)]
    [InlineData(40, 50, 1e4)]
    public void TheFactoredBoundIsAtLeastTheSpectralNormOfTheExactProduct(int rows, int cols, double kappa)
    {
        var m = Spectrum(rows, cols, kappa, rows + cols, ScalarType.Float32);
        // A float32 factor close to (M·Mᵀ)^(-1/2), as the iteration leaves it.
        var a = m.to_type(ScalarType.Float64).mm(m.to_type(ScalarType.Float64).t());
        var (values, vectors) = linalg.eigh(a);
        var factor = (vectors * values.rsqrt().unsqueeze(0)).mm(vectors.t()).to_type(ScalarType.Float32);
        var (gram, frobenius) = SpectralCertificate.Gram64(m)!.Value;
        double bound = SpectralCertificate.Sigma(SpectralCertificate.FactoredResidual(factor, gram, frobenius, cols));
        double actual = Sigma(factor.to_type(ScalarType.Float64).mm(m.to_type(ScalarType.Float64)));
        Assert.True(actual <= bound, $"σ_max {actual:R} above the certified {bound:R}");
        if (kappa <= 10) Assert.True(bound <= 1 + 1e-5, $"a well-conditioned product must certify: {bound:R}");
    }

    [Theory]
    [InlineData(16, 64, 1.0, 1.0)]
    [InlineData(300, 300, 50.0, 2.5)]
    [InlineData(784, 128, 1e3, 1.0)]
    public void TheFormedBoundAndTheTightBoundAreUpperBoundsAndTheTightOneIsTight(int rows, int cols, double kappa, double k)
    {
        var w = Spectrum(rows, cols, kappa, rows * cols, ScalarType.Float32) * (float)(k * 1.3);
        var (residual, gram, rounding) = SpectralCertificate.Formed(w, k);
        double actual = Sigma(w) / k;
        Assert.True(actual <= SpectralCertificate.Sigma(residual), $"σ_max/k {actual:R} above the residual bound");
        double tight = SpectralCertificate.TightSigma(gram, rounding);
        Assert.True(actual <= tight, $"σ_max/k {actual:R} above the tight bound {tight:R}");
        Assert.True(tight <= actual * (1 + 1e-9), $"the tight bound {tight:R} must be within 1e-9 of {actual:R}");
    }

    [Fact]
    public void TheGuardBringsAnyFiniteWeightToItsConstantWithoutShrinkingItFurther()
    {
        foreach (var (rows, cols, kappa) in new[] { (10, 30, 1e3), (50, 50, 1e6), (7, 44, 1.0) })
        {
            var w = Spectrum(rows, cols, kappa, rows, ScalarType.Float32) * 1.7f;
            var guarded = ContractionGuard.Enforce(w, "test", k: 0.5);
            double sigma = Sigma(guarded);
            Assert.InRange(sigma, 0.5 * (1 - 1e-5), 0.5 * (1 + 1e-5));
        }
        var orthonormal = Spectrum(8, 20, 1.0, 3, ScalarType.Float32);
        Assert.Same(orthonormal, ContractionGuard.Enforce(orthonormal, "test"));
    }
}
