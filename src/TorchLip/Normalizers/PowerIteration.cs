using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Power iteration on persistent singular-vector estimates (the spectral-normalization stage's state) and the
    /// stateless spectral-norm estimate from random vectors.
    /// </summary>
    internal static class PowerIteration
    {
        /// <summary>The weight viewed as a matrix (out, −1).</summary>
        public static Tensor Matrix(Tensor w) => w.dim() == 2 ? w : w.reshape(w.size(0), -1);

        /// <summary>Random unit vectors u (out) and v (in) for the weight viewed as (out, −1).</summary>
        public static (Tensor u, Tensor v) RandomVectors(Tensor w)
        {
            long rows = w.size(0), cols = w.numel() / Math.Max(1, rows);
            var u = nn.functional.normalize(torch.randn(rows, dtype: w.dtype, device: w.device), p: 2, dim: 0);
            var v = nn.functional.normalize(torch.randn(cols, dtype: w.dtype, device: w.device), p: 2, dim: 0);
            return (u, v);
        }

        /// <summary>
        /// <paramref name="niter"/> times u ← normalize(W v), v ← normalize(Wᵀ u), both updated in place, without gradient.
        /// </summary>
        public static void Advance(Tensor w, Tensor u, Tensor v, int niter, double eps)
        {
            if (w.dim() != 2) throw new ArgumentException($"power_iteration: w must be a matrix, got shape {ArgumentChecks.Shape(w)}.", nameof(w));
            if (u.dim() != 1 || u.shape[0] != w.shape[0]) throw new ArgumentException($"power_iteration: u must have shape [{w.shape[0]}], got {ArgumentChecks.Shape(u)}.", nameof(u));
            if (v.dim() != 1 || v.shape[0] != w.shape[1]) throw new ArgumentException($"power_iteration: v must have shape [{w.shape[1]}], got {ArgumentChecks.Shape(v)}.", nameof(v));
            if (niter < 0) throw new ArgumentOutOfRangeException(nameof(niter), niter, "power_iteration: niter must be >= 0.");
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var wd = w.detach();
            for (int i = 0; i < niter; i++)
            {
                u.copy_(nn.functional.normalize(wd.mv(v), p: 2, dim: 0, eps: eps));
                v.copy_(nn.functional.normalize(wd.t().mv(u), p: 2, dim: 0, eps: eps));
            }
        }

        /// <summary>σ̂ = uᵀ W v, differentiable in <paramref name="w"/> (u and v are constants); never above σ_max.</summary>
        public static Tensor Sigma(Tensor w, Tensor u, Tensor v) => u.detach().dot(w.mv(v.detach()));

        /// <summary>The spectral norm of <paramref name="w"/> (viewed as (out, −1)) estimated from random vectors, without state.</summary>
        /// <param name="w">The weight.</param>
        /// <param name="iterations">Power iterations.</param>
        /// <param name="eps">Normalization floor.</param>
        public static double Estimate(Tensor w, int iterations, double eps)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var (u, v) = RandomVectors(w);
            var matrix = Matrix(w);
            Advance(matrix, u, v, iterations, eps);
            return Sigma(matrix, u, v).to_type(ScalarType.Float64).item<double>();
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Weight normalizers: spectral (power iteration), Björck, Frobenius.</summary>
        public static partial class normalizers
        {
            /// <summary>
            /// Power iteration on the persistent singular-vector estimates of a matrix, as PyTorch's
            /// <c>spectral_norm</c> does it: <paramref name="niter"/> times u ← normalize(W v), v ← normalize(Wᵀ u),
            /// updating both buffers in place. Runs without gradient.
            /// </summary>
            /// <param name="w">Matrix (out, in).</param>
            /// <param name="u">Left singular vector estimate, shape (out), updated in place.</param>
            /// <param name="v">Right singular vector estimate, shape (in), updated in place.</param>
            /// <param name="niter">Number of iterations (0 leaves the vectors unchanged).</param>
            /// <param name="eps">Normalization floor: x / max(‖x‖, eps).</param>
            public static void power_iteration(Tensor w, Tensor u, Tensor v, int niter, double eps = 1e-12)
                => Normalizers.PowerIteration.Advance(w, u, v, niter, eps);

            /// <summary>
            /// The spectral-norm estimate σ̂ = uᵀ W v from the current singular-vector estimates, differentiable in
            /// <paramref name="w"/> (u and v are constants). σ̂ never exceeds the true largest singular value.
            /// </summary>
            /// <param name="w">Matrix (out, in).</param>
            /// <param name="u">Left singular vector estimate (out).</param>
            /// <param name="v">Right singular vector estimate (in).</param>
            public static Tensor spectral_norm_estimate(Tensor w, Tensor u, Tensor v) => Normalizers.PowerIteration.Sigma(w, u, v);

            /// <summary>
            /// deel-torchlip's standalone <c>spectral_normalization</c>: power iteration from a right singular
            /// vector estimate <paramref name="u"/> (row vector (1, in)) until ‖u_new − u_old‖ &lt; eps or
            /// <paramref name="maxiter"/> steps, then σ = ‖u Wᵀ‖ and the kernel divided by (σ + eps).
            /// </summary>
            /// <param name="kernel">Matrix (out, in).</param>
            /// <param name="u">Initial estimate (1, in); random when <c>null</c> (then 2 × maxiter steps are allowed).</param>
            /// <param name="eps">Stopping threshold and denominator guard.</param>
            /// <param name="maxiter">Maximum number of iterations.</param>
            /// <returns>(normalized kernel, final u, σ, iterations run).</returns>
            public static (Tensor kernel, Tensor u, Tensor sigma, int iterations) spectral_normalization(
                Tensor kernel, Tensor? u = null, double eps = 1e-3, int maxiter = 10)
            {
                if (kernel.dim() != 2) throw new ArgumentException($"spectral_normalization: kernel must be a matrix (out, in), got shape {ArgumentChecks.Shape(kernel)}.", nameof(kernel));
                ArgumentChecks.Positive(maxiter, nameof(maxiter));
                if (u is null)
                {
                    u = torch.randn(1, kernel.shape[1], dtype: kernel.dtype, device: kernel.device);
                    maxiter *= 2;
                }
                else if (u.dim() != 2 || u.shape[0] != 1 || u.shape[1] != kernel.shape[1])
                    throw new ArgumentException($"spectral_normalization: u must have shape [1, {kernel.shape[1]}], got {ArgumentChecks.Shape(u)}.", nameof(u));

                using var scope = torch.NewDisposeScope();
                var k = kernel.detach();
                var cur = u.detach();
                int iterations = 0;
                for (int i = 0; i < maxiter; i++)
                {
                    var next = nn.functional.normalize(cur.mm(k.t()).mm(k), p: 2, dim: 1);
                    iterations++;
                    bool done = (next - cur).norm().item<float>() < eps;
                    cur = next;
                    if (done) break;
                }
                var sigma = cur.mm(kernel.t()).norm();
                var normalized = kernel / sigma.add(ScalarCache.Of(eps), ScalarCache.Of(1.0));
                return (normalized.MoveToOuterDisposeScope(), cur.MoveToOuterDisposeScope(), sigma.MoveToOuterDisposeScope(), iterations);
            }
        }
    }
}
