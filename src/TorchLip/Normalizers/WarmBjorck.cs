using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Björck orthonormalization started from the previous call's result, entirely in the m×m Gram space of the
    /// smaller side: the effective weight is F·W where F is refined from the previous preconditioner P by steps on the
    /// Gram matrix Q = P (W Wᵀ) Pᵀ. Differentiable (exactly) in W through every step.
    /// </summary>
    /// <remarks>
    /// The result keeps the weight as the product F·W (see <see cref="WarmBjorckResult"/>), so that a linear layer can
    /// apply it as (x·Wᵀ)·Fᵀ without forming it when its batch is smaller than its input size.
    /// Between two optimizer steps W moves little, so the previous P nearly orthonormalizes the new W and usually a single
    /// step reaches ‖Q − I‖_F ≤ 1e-5, instead of 15 steps from a power-iteration estimate. Far from convergence the
    /// steps are Björck's (step size β, recorded op by op); once ‖Q − I‖_F ≤ 0.5 they are third-order
    /// (P ← (I + E/2 + 3E²/8)·P with E = I − Q, one <see cref="CubicStep"/> autograd node each), and the last one is
    /// certified by a closed-form bound (<see cref="CubicStepResidualBound"/>) or, when that is too loose, by the next
    /// check. Checks run without gradient; the only product with W itself is W Wᵀ (and its gradient). The exit residual r bounds the result:
    /// σ_max² = λ_max(Q) ≤ 1 + r, so when r stays above the tolerance (stalled at float noise, or the step budget
    /// ran out) the weight is divided by √(1 + r) and remains a contraction. If the start is far off
    /// (λ_max(Q) may exceed the square of <see cref="Bjorck.ConvergenceRadius"/>) P is first rescaled by a guaranteed bound.
    /// The limit is an orthonormal matrix, though not exactly the polar factor of W: P carries history, like the
    /// power-iteration vectors do for the spectral estimate, and is saved with the layer's state.
    /// On the CPU the steady state (a start inside the third-order region, at most one step) runs as one autograd node
    /// with its element-wise work on host memory (<see cref="SteadyWarmStep"/>); same results, fewer operations.
    /// </remarks>
    public static class WarmBjorck
    {
        // Aim at half the certificate's tolerance: every σ then ends within 5e-6 of 1, not just within 1e-5.
        internal const double ConvergedResidual = ContractionGuard.Tolerance / 2;

        // Third-order steps are taken once every eigenvalue of Q is within 0.5 of 1, where they contract monotonically.
        internal const double CubicRegion = 0.5;

        /// <summary>
        /// Bound on ‖Q' − I‖_F after one third-order step, from c = ‖E³‖_F with E = I − Q (exact arithmetic).
        /// </summary>
        /// <remarks>
        /// P' = (I + E/2 + 3E²/8)·P gives Q' = (I + E/2 + 3E²/8)² (I − E), a function of the symmetric E: each eigenvalue
        /// 1 − e of Q becomes 1 − (5e³/8 + 15e⁴/64 + 9e⁵/64). With ‖E³‖_F = √(Σe⁶) and ρ = max|e| ≤ ‖E³‖_F^(1/3),
        /// ‖Q' − I‖_F ≤ (5/8 + 15ρ/64 + 9ρ²/64)·‖E³‖_F, which is within a few percent of the truth for small E,
        /// whatever its spectrum.
        /// </remarks>
        /// <param name="cubeNorm">‖E³‖_F, the Frobenius norm of the cubed error before the step.</param>
        public static double CubicStepResidualBound(double cubeNorm)
        {
            double rho = Math.Cbrt(cubeNorm);
            return (0.625 + 15.0 / 64 * rho + 9.0 / 64 * rho * rho) * cubeNorm;
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
            Checks.MinRank(w, 1, nameof(w), "WarmBjorck");
            using var scope = torch.NewDisposeScope();
            long rows = w.size(0), cols = w.numel() / Math.Max(1, rows);
            var m = w.dim() == 2 ? w : w.reshape(rows, cols);
            bool tall = rows > cols;
            if (tall) m = m.t();
            long size = Math.Min(rows, cols);
            if (preconditioner.dim() != 2 || preconditioner.size(0) != size || preconditioner.size(1) != size)
                throw new ArgumentException($"WarmBjorck: the preconditioner must be ({size}, {size}), got {Checks.Shape(preconditioner)}.", nameof(preconditioner));

            var p = preconditioner.detach().clone();   // the buffer is updated in place after the forward; autograd must not see that
            Tensor a;
            using (torch.no_grad()) a = m.mm(m.t());
            double radius = Bjorck.ConvergenceRadius(beta);
            if (SteadyWarmStep.TryRun(m, p, a, maxiter, radius * radius - 1) is { } steady)
                return new WarmBjorckResult(w, steady.Factor.MoveToOuterDisposeScope(), tall, steady.Preconditioner.MoveToOuterDisposeScope(), steady.Iterations, steady.Residual);

            var eye = torch.eye(size, dtype: m.dtype, device: m.device);
            Tensor? differentiableA = null;   // only Björck steps far from convergence need A inside the graph
            int iterations = 0;
            double residual, previous = double.PositiveInfinity;
            bool rescaled = false;
            while (true)
            {
                // Every check runs without gradient; the steps record their own dependence on W.
                Tensor q, e;
                using (torch.no_grad())
                {
                    q = Gram(p, a);
                    e = eye - q;
                }
                residual = Norm(e.norm());
                if (double.IsNaN(residual) || double.IsInfinity(residual)) break;
                if (!rescaled && residual > radius * radius - 1)
                {
                    rescaled = true;   // otherwise λ_max(Q) ≤ 1 + r is inside the region: no bound needed
                    double bound = SpectralBound.LambdaMaxBound(q);
                    if (bound > radius * radius)
                    {
                        using var shrink = (radius / Math.Sqrt(bound)).ToScalar();
                        p = p.mul(shrink);
                        continue;
                    }
                }
                bool stalled = iterations > 0 && residual < 1e-3 && residual > 0.5 * previous;
                if (residual <= ConvergedResidual || iterations >= maxiter || stalled) break;
                previous = residual;
                iterations++;
                if (residual > CubicRegion)
                {
                    differentiableA ??= SymmetricGram.Of(m);
                    p = p.addmm(Gram(p, differentiableA), p, beta: (float)(1 + beta), alpha: (float)-beta);   // P + β(I − Q)P in one kernel
                    continue;
                }
                Tensor e2;
                double bounded;
                using (torch.no_grad())
                {
                    e2 = e.mm(e);
                    // ‖E³‖_F ≤ ‖E²‖_F^(3/2) (max e² ≤ ‖E²‖_F) usually suffices; the exact ‖E³‖_F costs one more product.
                    bounded = CubicStepResidualBound(Math.Pow(Norm(e2.norm()), 1.5));
                    if (!(bounded <= ConvergedResidual)) bounded = CubicStepResidualBound(Norm(e2.mm(e).norm()));
                }
                p = CubicStep.Apply(m, p, a, e, e2);
                if (bounded <= ConvergedResidual)
                {
                    residual = bounded;   // certified without forming the next Q
                    break;
                }
            }

            var factor = p;
            if (residual > ContractionGuard.Tolerance && !double.IsNaN(residual) && !double.IsInfinity(residual))
            {
                using var scale = (1.0 / Math.Sqrt(1.0 + residual)).ToScalar();
                factor = p.mul(scale);
            }
            return new WarmBjorckResult(w, factor.MoveToOuterDisposeScope(), tall, p.detach().MoveToOuterDisposeScope(), iterations, residual);
        }
    }
}
