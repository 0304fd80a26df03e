using System;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Certifies that a formed weight, exactly as it will be applied, is k-Lipschitz, and rescales it when it is not,
    /// whatever the iteration that produced it did.
    /// </summary>
    /// <remarks>
    /// The bound is <see cref="SpectralCertificate.Formed"/>: σ_max(W)² ≤ k²(1 + r) with r the float64 residual of the
    /// Gram matrix plus its rounding. A weight within 1e-5 is returned as is. Otherwise it is divided by a bound on
    /// σ_max/k: the smaller of √(1 + r) and the tight eigendecomposition bound (<see cref="SpectralCertificate.TightSigma"/>),
    /// since r also grows with singular values below k (a weight already below k is returned unscaled, and a Björck run
    /// stopped early is not shrunk further than its largest singular value); the rescaled tensor is certified again: its
    /// own rounding is part of what is applied. Should the rescaling not settle, the float64 Frobenius norm, a bound on
    /// σ_max whatever the spectrum, decides the last rescale: a finite weight always comes back certified.
    /// The factor is a constant for autograd.
    /// </remarks>
    internal static class ContractionGuard
    {
        /// <summary>The relative tolerance on σ_max: a layer claiming k is certified when σ_max ≤ k·(1 + Tolerance).</summary>
        public const double Tolerance = SpectralCertificate.Tolerance;

        private const int Attempts = 4;

        /// <summary>Returns <paramref name="w"/>, rescaled if needed so that its spectral norm is at most k·(1 + 1e-5), rounding included.</summary>
        /// <param name="w">Weight viewed as (shape[0], −1), exactly as the layer applies it.</param>
        /// <param name="who">Layer description used in the error for a non-finite weight.</param>
        /// <param name="k">The constant the weight must respect.</param>
        /// <exception cref="InvalidOperationException"><paramref name="w"/> holds NaN or infinity.</exception>
        public static Tensor Enforce(Tensor w, string who, double k = 1.0)
            => TryEnforce(w, k, out _) ?? throw ArgumentChecks.NotFinite(who, "the constrained weight");

        /// <summary>
        /// <see cref="Enforce"/> that returns null for a non-finite weight, with the certified bound on σ_max/k of what it returns.
        /// </summary>
        /// <param name="w">Weight viewed as (shape[0], −1).</param>
        /// <param name="k">The constant the weight must respect.</param>
        /// <param name="sigma">Certified upper bound on σ_max(result)/k.</param>
        internal static Tensor? TryEnforce(Tensor w, double k, out double sigma)
        {
            ArgumentChecks.PositiveFinite(k, nameof(k));
            var current = w;
            for (int attempt = 0; attempt < Attempts; attempt++)
            {
                var (residual, gram, rounding) = SpectralCertificate.Formed(current, k);
                using (gram)
                {
                    sigma = SpectralCertificate.Sigma(residual);
                    if (residual <= SpectralCertificate.ToleranceResidual) return current;
                    if (!double.IsFinite(residual)) return null;
                    // ‖G − I‖ is two-sided: singular values below 1 raise it too, and rescaling by √(1 + r) would only
                    // push them further down, so an uncertified weight is judged by its largest singular value alone.
                    sigma = Math.Min(sigma, SpectralCertificate.TightSigma(gram, rounding));
                }
                if (sigma <= 1) return current;   // below k already: nothing to shrink
                // The margin covers the rounding of the product itself (u per entry, at most u·√m on σ).
                double margin = 4 * Unit(current) * Math.Sqrt(Math.Min(current.size(0), current.numel() / Math.Max(1, current.size(0))));
                using var factor = ((1 - margin) / sigma).ToScalar();
                current = current.mul(factor);
            }
            // Not expected for finite weights (each rescale lands below k up to its own rounding); the Frobenius norm
            // bounds σ_max whatever the spectrum, and survives the last rounding with a relative u.
            return FrobeniusRescaled(current, k, out sigma);
        }

        private static Tensor? FrobeniusRescaled(Tensor w, double k, out double sigma)
        {
            sigma = double.PositiveInfinity;
            double frobenius;
            using (torch.no_grad())
            using (var w64 = w.detach().to_type(ScalarType.Float64))
                frobenius = w64.norm().item<double>() * (1 + SpectralCertificate.Gamma(w.numel() + 1));
            if (!double.IsFinite(frobenius)) return null;
            if (frobenius == 0) { sigma = 0; return w; }
            double u = Unit(w);
            double c = k * (1 - 4 * u) / frobenius;
            using var factor = c.ToScalar();
            sigma = c * frobenius * (1 + 2 * u) / k;
            return w.mul(factor);
        }

        /// <summary>‖G − I‖_F-based bound residual of the Gram matrix of the smaller side of <paramref name="w"/>, in float64 with rounding.</summary>
        /// <param name="w">Weight viewed as (shape[0], −1).</param>
        public static double Residual(Tensor w)
        {
            var (residual, gram, _) = SpectralCertificate.Formed(w, 1.0);
            gram.Dispose();
            return residual;
        }

        private static double Unit(Tensor t) => t.dtype switch
        {
            ScalarType.Float64 => 1.1102230246251565e-16,
            ScalarType.Float32 => 5.9604644775390625e-08,
            _ => 1.0 / 256,   // half precisions
        };
    }
}
