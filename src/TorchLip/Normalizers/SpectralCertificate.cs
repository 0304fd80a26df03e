using System;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;
using TorchLip.Internal.Cpu;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Rigorous upper bounds on the largest singular value of a weight <em>as it is applied</em>, floating-point
    /// rounding included: the certificate behind every claim that a layer is k-Lipschitz.
    /// </summary>
    /// <remarks>
    /// <para>
    /// σ_max(W)² = λ_max(W Wᵀ) ≤ 1 + ‖W Wᵀ − I‖_F (relative to k: W/k). The Gram matrix is computed in float64 from the
    /// very tensors the forward uses (a float32 weight converts to float64 exactly), and the distance between the
    /// computed and the exact Gram matrix is bounded with the standard model of rounding: a float64 dot product of
    /// length p is off by at most γ_p·|x|ᵀ|y|, γ_p = p·u/(1 − p·u), u = 2⁻⁵³, in any summation order; with
    /// ‖|X||Y|‖_F ≤ ‖X‖_F‖Y‖_F the rounding terms are products of Frobenius norms, so the certificate costs the
    /// Gram matrix and nothing more.
    /// </para>
    /// <para>
    /// Rigorous bounds need float64: in float32 the worst-case error of one length-784 dot product already exceeds the
    /// 1e-5 tolerance, and a residual computed in float32 from an ill-conditioned raw weight read 1e-8 while the
    /// weight it certified was 1.04-Lipschitz (measured). Working-precision residuals only steer the iterations.
    /// </para>
    /// </remarks>
    internal static class SpectralCertificate
    {
        /// <summary>A layer claiming k is certified when σ_max ≤ k·(1 + <see cref="Tolerance"/>).</summary>
        public const double Tolerance = 1e-5;

        /// <summary>The largest certified residual bound r (σ_max/k ≤ √(1 + r)) that meets <see cref="Tolerance"/>.</summary>
        public static readonly double ToleranceResidual = (1 + Tolerance) * (1 + Tolerance) / (1 + 4 * U64) - 1;

        private const double U64 = 1.1102230246251565e-16;   // 2^-53

        /// <summary>The largest σ_max that k-Lipschitz allows: k·(1 + <see cref="Tolerance"/>).</summary>
        /// <param name="k">The layer's constant.</param>
        public static double Allowed(double k) => k * (1 + Tolerance);

        /// <summary>γ_p for float64 arithmetic.</summary>
        public static double Gamma(double p) => p * U64 / (1 - p * U64);

        /// <summary>The bound on σ_max/k that a residual bound r gives: √(1 + r), rounded up.</summary>
        /// <param name="residual">A bound on ‖W Wᵀ/k² − I‖₂.</param>
        public static double Sigma(double residual) => double.IsFinite(residual) ? Math.Sqrt(1 + Math.Max(residual, 0)) * (1 + 2 * U64) : double.PositiveInfinity;

        /// <summary>
        /// The Gram matrix A = M·Mᵀ of a wide weight view in float64 (no gradient) and an upper bound on ‖M‖_F², or null
        /// when M holds a non-finite value or its squares overflow float64 (only possible for float64 weights).
        /// </summary>
        /// <param name="m">The weight, m×n with m ≤ n, any float dtype.</param>
        public static (Tensor Gram, double FrobeniusSquared)? Gram64(Tensor m)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var m64 = m.detach().to_type(ScalarType.Float64);
            var a = m64.mm(m64.t());
            double trace = Trace(a);
            if (!double.IsFinite(trace)) return null;
            return (a.MoveToOuterDisposeScope(), trace * (1 + 2 * Gamma(m.size(0) + m.size(1))));
        }

        // libtorch's trace costs 0.07 ms on a 128×128 CPU matrix; the diagonal is read directly there.
        private static double Trace(Tensor square)
        {
            if (!HostMatrix.Supports(square) || square.dtype != ScalarType.Float64) return square.diagonal().sum().item<double>();
            var values = HostMatrix.Values<double>(square);
            int n = (int)square.size(0);
            double sum = 0;
            for (int i = 0; i < n; i++) sum += values[i * n + i];
            return sum;
        }

        /// <summary>
        /// A bound on ‖F·M·Mᵀ·Fᵀ − I‖₂ from the computed ‖Q − I‖_F with Q = fl(fl(F·A)·Fᵀ), A = fl64(M·Mᵀ).
        /// </summary>
        /// <remarks>
        /// ‖Q − F·M·Mᵀ·Fᵀ‖_F ≤ ‖F‖_F²·(γ_n‖M‖_F² + (2γ_m + γ_m²)‖A‖_F) from the three roundings (A, F·A, then ·Fᵀ),
        /// with ‖A‖_F ≤ (1 + γ_n)‖M‖_F²; the computed Frobenius norm is itself within a relative 4γ_(m²+1).
        /// </remarks>
        /// <param name="computed">‖Q − I‖_F as computed in float64.</param>
        /// <param name="factorSquared">‖F‖_F² (computed in float64).</param>
        /// <param name="frobeniusSquared">An upper bound on ‖M‖_F².</param>
        /// <param name="m">The side of F.</param>
        /// <param name="n">The long side of M.</param>
        public static double FactoredResidual(double computed, double factorSquared, double frobeniusSquared, long m, long n)
        {
            if (!double.IsFinite(computed) || !double.IsFinite(factorSquared)) return double.PositiveInfinity;
            double gm = Gamma(m), gn = Gamma(n);
            double rounding = 1.01 * factorSquared * frobeniusSquared * (gn + (2 * gm + gm * gm) * (1 + gn));
            return computed * (1 + 4 * Gamma(m * m + 1)) + rounding;
        }

        /// <summary>The certified residual bound of F·M (see <see cref="FactoredResidual(double, double, double, long, long)"/>), computing Q here.</summary>
        /// <param name="factor">F (m×m), any float dtype, exactly as applied.</param>
        /// <param name="gram">A = fl64(M·Mᵀ).</param>
        /// <param name="frobeniusSquared">An upper bound on ‖M‖_F².</param>
        /// <param name="n">The long side of M.</param>
        public static double FactoredResidual(Tensor factor, Tensor gram, double frobeniusSquared, long n)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var f = factor.detach().to_type(ScalarType.Float64);
            long m = f.size(0);
            var q = f.mm(gram).mm(f.t());
            double computed = q.sub_(torch.eye(m, dtype: ScalarType.Float64, device: q.device)).norm().item<double>();
            return FactoredResidual(computed, f.mul(f).sum().item<double>() * (1 + Gamma(m * m)), frobeniusSquared, m, n);
        }

        /// <summary>
        /// The certified residual bound r of a formed weight relative to k (σ_max(W) ≤ k·√(1 + r)), and its float64 Gram
        /// matrix of the smaller side divided by k² with the bound on that matrix's rounding, for <see cref="TightSigma"/>.
        /// </summary>
        /// <param name="w">The weight exactly as applied, viewed as (shape[0], −1), any float dtype.</param>
        /// <param name="k">The layer's constant.</param>
        public static (double Residual, Tensor Gram, double Rounding) Formed(Tensor w, double k)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var w64 = w.detach().reshape(w.size(0), -1).to_type(ScalarType.Float64);
            if (w64.size(0) > w64.size(1)) w64 = w64.t();
            long m = w64.size(0), n = w64.size(1);
            // G/k² = (W/k)(W/k)ᵀ up to one more rounding per entry; ‖fl(W·Wᵀ) − W·Wᵀ‖_F ≤ γ_n·‖W‖_F², ‖W‖_F² ≤ tr(G)(1 + 2γ_(n+m)).
            var g = w64.mm(w64.t()).div_(ScalarCache.Of(k * k));
            double rounding = 1.01 * (Gamma(n) + 2 * U64) * Trace(g) * (1 + 2 * Gamma(n + m)) + 4 * U64;
            double computed = (g - torch.eye(m, dtype: ScalarType.Float64, device: g.device)).norm().item<double>();
            double residual = double.IsFinite(computed) ? computed * (1 + 4 * Gamma(m * m + 1)) + rounding : double.PositiveInfinity;
            return (residual, g.MoveToOuterDisposeScope(), rounding);
        }

        /// <summary>
        /// A rigorous upper bound on σ_max(<paramref name="w"/>) (viewed as (shape[0], −1)) for any matrix, rounding included:
        /// the smaller of the residual bound and the eigendecomposition bound of its float64 Gram matrix; +∞ when not finite.
        /// </summary>
        /// <param name="w">The matrix, any float dtype, exactly as applied.</param>
        public static double UpperBound(Tensor w)
        {
            var (residual, gram, rounding) = Formed(w, 1.0);
            using (gram)
            {
                if (!double.IsFinite(residual)) return double.PositiveInfinity;
                return Math.Min(Sigma(residual), TightSigma(gram, rounding));
            }
        }

        /// <summary>
        /// A tight upper bound on √λ_max of the symmetric matrix that <paramref name="gram"/> represents up to
        /// <paramref name="rounding"/> (in ‖·‖_F), from its float64 eigendecomposition: by Weyl's inequality
        /// λ_max(G) ≤ max(λ̂, 0)·‖V̂‖₂² + ‖G − V̂Λ̂V̂ᵀ‖₂, with ‖V̂‖₂² ≤ 1 + ‖V̂ᵀV̂ − I‖_F; every product's rounding is
        /// bounded as above. Used to rescale weights that are far from orthonormal without shrinking them further than needed.
        /// </summary>
        /// <param name="gram">A float64 Gram matrix.</param>
        /// <param name="rounding">Bound on its distance to the exact Gram matrix.</param>
        /// <returns>An upper bound on σ_max, or +∞ when it cannot be computed.</returns>
        public static double TightSigma(Tensor gram, double rounding)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var g = gram.add(gram.t(), ScalarCache.Of(1.0)).mul_(ScalarCache.Of(0.5));
            long m = g.size(0);
            Tensor values, vectors;
            try { (values, vectors) = torch.linalg.eigh(g); }
            catch (Exception) { return double.PositiveInfinity; }
            double top = values.max().item<double>(), largest = values.abs().max().item<double>();
            if (!double.IsFinite(top) || !double.IsFinite(largest)) return double.PositiveInfinity;
            double gm = Gamma(m), vSquared = vectors.mul(vectors).sum().item<double>(), gNorm = g.norm().item<double>();
            var eye = torch.eye(m, dtype: ScalarType.Float64, device: g.device);
            double orthogonality = (vectors.t().mm(vectors) - eye).norm().item<double>() * (1 + 4 * Gamma(m * m + 1)) + 1.01 * gm * vSquared;
            var rebuilt = (vectors * values.unsqueeze(0)).mm(vectors.t());
            double residual = (g - rebuilt).norm().item<double>() * (1 + 4 * Gamma(m * m + 1))
                + 1.01 * (gm + 2 * U64) * largest * vSquared + 2 * U64 * gNorm;
            double lambda = Math.Max(top, 0) * (1 + orthogonality) + residual + rounding;
            return double.IsFinite(lambda) ? Math.Sqrt(lambda) * (1 + 2 * U64) : double.PositiveInfinity;
        }
    }
}
