using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Certifies that an orthonormalized weight really is a contraction, whatever the iteration did.
    /// </summary>
    /// <remarks>
    /// For G = W Wᵀ (or WᵀW, the smaller side), σ_max(W)² = λ_max(G) ≤ 1 + ‖G − I‖₂ ≤ 1 + ‖G − I‖_F =: 1 + r.
    /// When r ≤ 2·1e-5 every singular value is already ≤ 1 + 1e-5 and the weight is returned unchanged;
    /// otherwise (Björck stopped early or diverged from a poor spectral estimate) it is divided by √(1 + r),
    /// which provably brings σ_max to ≤ 1. The bound is computed without gradient and acts as a constant factor.
    /// </remarks>
    public static class ContractionGuard
    {
        /// <summary>Residuals at or below this leave the weight untouched: σ_max ≤ √(1 + r) ≤ 1 + 1e-5.</summary>
        public const double Tolerance = 2e-5;

        /// <summary>Returns <paramref name="w"/>, rescaled if needed so that its spectral norm is at most 1 (+1e-5).</summary>
        /// <param name="w">Weight viewed as (shape[0], −1).</param>
        /// <param name="who">Layer description used in the error for a non-finite weight.</param>
        public static Tensor Enforce(Tensor w, string who)
        {
            double r = Residual(w);
            if (double.IsNaN(r) || double.IsInfinity(r))
                throw Checks.NotFinite(who, "the constrained weight");
            if (r <= Tolerance) return w;
            using var factor = (1.0 / Math.Sqrt(1.0 + r)).ToScalar();
            return w.mul(factor);
        }

        /// <summary>‖G − I‖_F for the Gram matrix G of the smaller side of <paramref name="w"/> (0 for an orthonormal matrix).</summary>
        /// <param name="w">Weight viewed as (shape[0], −1).</param>
        public static double Residual(Tensor w)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var m = w.detach().reshape(w.shape[0], -1);
            var g = m.shape[0] <= m.shape[1] ? m.mm(m.t()) : m.t().mm(m);
            var eye = torch.eye(g.shape[0], dtype: g.dtype, device: g.device);
            return (g - eye).norm().to_type(ScalarType.Float64).item<double>();
        }
    }
}
