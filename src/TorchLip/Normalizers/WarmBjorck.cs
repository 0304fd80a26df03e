using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>Outcome of a warm-started orthonormalization.</summary>
    /// <param name="Weight">The orthonormalized weight (certified: σ_max ≤ 1 + 1e-5), same shape as the input.</param>
    /// <param name="Preconditioner">The m×m matrix P with Weight = P·W (before any certificate rescale), to start the next call from.</param>
    /// <param name="Iterations">Björck steps taken.</param>
    /// <param name="Residual">‖P A Pᵀ − I‖_F at exit (A = W Wᵀ), measured, or bounded when a third-order step ended the iteration; σ_max² ≤ 1 + Residual.</param>
    public sealed record WarmBjorckResult(Tensor Weight, Tensor Preconditioner, int Iterations, double Residual);

    /// <summary>
    /// Björck orthonormalization started from the previous call's result, entirely in the m×m Gram space of the
    /// smaller side: the effective weight is P·W where P is refined from the previous P by Björck steps on the
    /// Gram matrix Q = P (W Wᵀ) Pᵀ. Differentiable (exactly) through A = W Wᵀ, every step and the final product.
    /// </summary>
    /// <remarks>
    /// Between two optimizer steps W moves little, so the previous P nearly orthonormalizes the new W and usually a single
    /// step reaches ‖Q − I‖_F ≤ 1e-5, instead of 15 steps from a power-iteration estimate. Far from convergence the
    /// steps are Björck's (step size β); once ‖Q − I‖_F ≤ 0.5 they are third-order (P ← (I + E/2 + 3E²/8)·P with
    /// E = I − Q), whose result is certified by a closed-form bound instead of another Gram product. Only two products
    /// with W itself are needed (W Wᵀ and P·W); everything else costs m³. The exit residual r bounds the result:
    /// σ_max² = λ_max(Q) ≤ 1 + r, so when r stays above the tolerance (stalled at float noise, or the step budget
    /// ran out) the weight is divided by √(1 + r) and remains a contraction. If the start is far off
    /// (λ_max(Q) may exceed the square of <see cref="Bjorck.ConvergenceRadius"/>) P is first rescaled by a guaranteed bound.
    /// The limit is an orthonormal matrix, though not exactly the polar factor of W: P carries history, like the
    /// power-iteration vectors do for the spectral estimate, and is saved with the layer's state.
    /// </remarks>
    public static class WarmBjorck
    {
        // Aim at half the certificate's tolerance: every σ then ends within 5e-6 of 1, not just within 1e-5.
        private const double ConvergedResidual = ContractionGuard.Tolerance / 2;

        // Third-order steps are taken once every eigenvalue of Q is within 0.5 of 1, where they contract monotonically.
        private const double CubicRegion = 0.5;

        private static readonly Scalar Half = 0.5.ToScalar();
        private static readonly Scalar ThreeEighths = 0.375.ToScalar();

        /// <summary>
        /// Bound on ‖Q' − I‖_F after one third-order step, from s = ‖E²‖_F with E = I − Q (exact arithmetic).
        /// </summary>
        /// <remarks>
        /// P' = (I + E/2 + 3E²/8)·P gives Q' = (I + E/2 + 3E²/8)² (I − E), a function of the symmetric E: each eigenvalue
        /// 1 − e of Q becomes 1 − (5e³/8 + 15e⁴/64 + 9e⁵/64). With ρ = max|e| ≤ √s and Σe⁶ ≤ ρ²·Σe⁴ ≤ s³,
        /// ‖Q' − I‖_F ≤ (5/8 + 15ρ/64 + 9ρ²/64)·s^(3/2).
        /// </remarks>
        /// <param name="s">‖E²‖_F, the Frobenius norm of the squared error before the step.</param>
        public static double CubicStepResidualBound(double s)
        {
            double rho = Math.Sqrt(s);
            return (0.625 + 15.0 / 64 * rho + 9.0 / 64 * rho * rho) * s * rho;
        }

        private static Tensor Gram(Tensor p, Tensor a) => p.mm(a).mm(p.t());

        private static double Norm(Tensor scalar) =>
            scalar.dtype == ScalarType.Float32 ? scalar.item<float>() : scalar.to_type(ScalarType.Float64).item<double>();

        /// <summary>Runs the warm-started iteration.</summary>
        /// <param name="w">Weight (out, ...), viewed as (out, −1).</param>
        /// <param name="preconditioner">P from the previous call, (m, m) with m = min(out, in) (the identity scaled by 1/σ for a cold start).</param>
        /// <param name="beta">Björck step size.</param>
        /// <param name="maxiter">Maximum Björck steps.</param>
        public static WarmBjorckResult Orthonormalize(Tensor w, Tensor preconditioner, double beta = 0.5, int maxiter = 15)
        {
            var shape = w.shape;
            using var scope = torch.NewDisposeScope();
            var m = w.reshape(shape[0], -1);
            bool tall = m.shape[0] > m.shape[1];
            if (tall) m = m.t();
            long size = m.shape[0];
            if (preconditioner.dim() != 2 || preconditioner.shape[0] != size || preconditioner.shape[1] != size)
                throw new ArgumentException($"WarmBjorck: the preconditioner must be ({size}, {size}), got {Checks.Shape(preconditioner)}.", nameof(preconditioner));

            var a = SymmetricGram.Of(m);
            var eye = torch.eye(size, dtype: m.dtype, device: m.device);
            var p = preconditioner.detach().clone();   // the buffer is updated in place after the forward; autograd must not see that
            int iterations = 0;
            double residual, previous = double.PositiveInfinity;
            bool rescaled = false;
            double radius = Bjorck.ConvergenceRadius(beta);
            while (true)
            {
                // Q is only differentiated when it feeds another step; the final check needs no graph.
                bool lastCheckOnly = iterations >= maxiter;
                var q = lastCheckOnly ? Gram(p.detach(), a.detach()) : Gram(p, a);
                var e = eye - q;
                residual = Norm(e.detach().norm());
                if (double.IsNaN(residual) || double.IsInfinity(residual)) break;
                if (!rescaled && residual > radius * radius - 1)
                {
                    rescaled = true;   // otherwise λ_max(Q) ≤ 1 + r is inside the region: no bound needed
                    double bound = SpectralBound.LambdaMaxBound(q);
                    if (bound > radius * radius)
                    {
                        using var factor = (radius / Math.Sqrt(bound)).ToScalar();
                        p = p.mul(factor);
                        continue;
                    }
                }
                bool stalled = iterations > 0 && residual < 1e-3 && residual > 0.5 * previous;
                if (residual <= ConvergedResidual || lastCheckOnly || stalled) break;
                previous = residual;
                iterations++;
                if (residual > CubicRegion)
                {
                    p = p.addmm(q, p, beta: (float)(1 + beta), alpha: (float)-beta);   // P + β(I − Q)P in one kernel
                    continue;
                }
                var e2 = e.mm(e);
                double bounded = CubicStepResidualBound(Norm(e2.detach().norm()));
                p = p.addmm(e2.mul(ThreeEighths).add(e, Half), p);   // (I + E/2 + 3E²/8)·P
                if (bounded <= ConvergedResidual)
                {
                    residual = bounded;   // certified without forming the next Q
                    break;
                }
            }

            var weight = p.mm(m);
            if (residual > ContractionGuard.Tolerance && !double.IsNaN(residual) && !double.IsInfinity(residual))
            {
                using var factor = (1.0 / Math.Sqrt(1.0 + residual)).ToScalar();
                weight = weight.mul(factor);
            }
            if (tall) weight = weight.t();
            weight = weight.reshape(shape);
            return new WarmBjorckResult(weight.MoveToOuterDisposeScope(), p.detach().MoveToOuterDisposeScope(), iterations, residual);
        }
    }
}
