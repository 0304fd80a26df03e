using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;
using TorchLip.Internal.Cpu;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Björck–Bowie orthonormalization W ← (1+β)W − β·W·WᵀW, the iteration behind every
    /// <c>Spectral*</c> layer. Differentiable end to end (no truncated backward).
    /// </summary>
    /// <remarks>
    /// For a wide m×n matrix (n ≥ 2m) every iterate is P_k·W₀ with P_k an m×m polynomial in A = W₀W₀ᵀ, so the
    /// iteration runs on m×m matrices: Q_k = P_k·A·P_kᵀ (the Gram of the current iterate), P_(k+1) = P_k + β(I − Q_k)P_k.
    /// That costs 3m³ per step instead of 2m²n, and is exact in exact arithmetic. Q_k is recomputed from P_k
    /// (not updated in place) so rounding cannot drift. Tall matrices are handled through their transpose;
    /// near-square ones use the direct iteration, which is cheaper there.
    /// With β = 0.5 a singular value σ ∈ [0, √3] maps to 1.5σ − 0.5σ³ ∈ [0, 1]: one step already gives a
    /// contraction when the input's spectral norm is at most √3, and further steps push every σ to 1.
    /// </remarks>
    internal static class Bjorck
    {
        /// <summary>
        /// The largest σ from which Björck with step <paramref name="beta"/> still ends orthonormal: 2 for β = 0.5
        /// (1.5σ − 0.5σ³ ∈ [−1, 1] on [0, 2]; a negative value converges to −1, a sign flip of that singular direction),
        /// √((1+β)/β) otherwise (where the step keeps σ non-negative). Beyond it the iteration can blow up.
        /// </summary>
        /// <param name="beta">Björck step size.</param>
        public static double ConvergenceRadius(double beta) => beta == 0.5 ? 2.0 : Math.Sqrt((1 + beta) / beta);

        /// <summary>Runs the iteration.</summary>
        /// <param name="w">Weight of any rank ≥ 2, viewed as (shape[0], −1).</param>
        /// <param name="eps">Stop once ‖W_k − W_(k−1)‖_F &lt; eps; <c>null</c> runs exactly <paramref name="maxiter"/> steps.</param>
        /// <param name="beta">Step size β (0.5 in the literature and in deel-torchlip).</param>
        /// <param name="maxiter">Maximum number of steps (at least 1).</param>
        /// <param name="recordStepNorms">Whether to return every step norm (costs a host sync per step).</param>
        public static BjorckResult Orthonormalize(Tensor w, double? eps = 1e-3, double beta = 0.5, int maxiter = 15, bool recordStepNorms = false)
        {
            if (w.dim() < 2) throw new ArgumentException($"bjorck_normalization: w must have at least 2 dimensions, got shape {ArgumentChecks.Shape(w)}.", nameof(w));
            ArgumentChecks.FloatingPoint(w, nameof(w), "bjorck_normalization");
            ArgumentChecks.Positive(maxiter, nameof(maxiter));
            ArgumentChecks.PositiveFinite(beta, nameof(beta));
            if (eps is double e) ArgumentChecks.PositiveFinite(e, nameof(eps));

            var shape = w.shape;
            using var scope = torch.NewDisposeScope();
            var m = w.reshape(shape[0], -1);
            bool tall = m.shape[0] > m.shape[1];
            if (tall) m = m.t();
            bool gram = m.shape[1] >= 2 * m.shape[0];
            var norms = new List<double>();
            int iterations = 0;
            using var b = beta.ToScalar();
            using var onePlusB = (1 + beta).ToScalar();

            Tensor result;
            if (gram)
            {
                var a = SymmetricGram.Of(m);
                var eye = torch.eye(m.shape[0], dtype: m.dtype, device: m.device);
                Tensor? p = null;
                for (int k = 0; k < maxiter; k++)
                {
                    var q = p is null ? a : p.mm(a).mm(p.t());
                    var d = eye - q;
                    p = p is null ? eye.add(d, b) : p.addmm(d, p, beta: 1f, alpha: (float)beta);
                    iterations++;
                    if (eps is null && !recordStepNorms) continue;
                    // ‖W_(k+1) − W_k‖_F² = β²·tr(D·Q·D) with D = I − Q_k, since the step is β·D·W_k.
                    double norm = beta * Math.Sqrt(Math.Max(0.0, d.mm(q).mul(d).sum().to_type(ScalarType.Float64).item<double>()));
                    norms.Add(norm);
                    if (eps is double stop && norm < stop) break;
                }
                result = p!.mm(m);
            }
            else
            {
                var cur = m;
                for (int k = 0; k < maxiter; k++)
                {
                    var cubic = cur.shape[0] <= cur.shape[1] ? cur.mm(cur.t()).mm(cur) : cur.mm(cur.t().mm(cur));
                    var next = cur.mul(onePlusB).sub(cubic.mul(b));
                    iterations++;
                    if (eps is not null || recordStepNorms)
                    {
                        double norm = (next - cur).norm().to_type(ScalarType.Float64).item<double>();
                        norms.Add(norm);
                        cur = next;
                        if (eps is double stop && norm < stop) break;
                    }
                    else cur = next;
                }
                result = cur;
            }
            if (tall) result = result.t();
            result = result.reshape(shape);
            return new BjorckResult(result.MoveToOuterDisposeScope(), iterations, norms);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        public static partial class normalizers
        {
            /// <summary>
            /// Björck orthonormalization of <paramref name="w"/> viewed as (shape[0], −1): repeats
            /// W ← (1+β)W − β·W·WᵀW until ‖ΔW‖_F &lt; <paramref name="eps"/> or <paramref name="maxiter"/> steps.
            /// Converges to the closest orthonormal matrix when the spectral norm of <paramref name="w"/> is below √3
            /// (normalize it first, e.g. with <see cref="spectral_normalization"/>).
            /// </summary>
            /// <param name="w">Weight, shape (out, ...).</param>
            /// <param name="eps">Early-stop threshold on the step's Frobenius norm; <c>null</c> always runs <paramref name="maxiter"/> steps.</param>
            /// <param name="beta">Step size β.</param>
            /// <param name="maxiter">Maximum number of steps.</param>
            /// <returns>The orthonormalized weight, same shape as <paramref name="w"/>.</returns>
            public static Tensor bjorck_normalization(Tensor w, double? eps = 1e-3, double beta = 0.5, int maxiter = 15)
                => Normalizers.Bjorck.Orthonormalize(w, eps, beta, maxiter).Weight;
        }
    }
}
