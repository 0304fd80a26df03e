using System;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Evaluation
{
    /// <summary>
    /// Empirical Lipschitz constants of a model: ratios ‖f(a) − f(b)‖₂ / ‖a − b‖₂ over chosen input pairs.
    /// Each is a lower bound of the true (global) constant; for a 1-Lipschitz network none may exceed 1.
    /// </summary>
    /// <remarks>
    /// Both estimates run the model in eval mode without gradient and give every submodule its previous mode back,
    /// so a layer whose train-mode forward advances state (power iteration) is left untouched.
    /// Inputs are (N, ...); the first dimension indexes samples and the rest is flattened. Distances are computed in
    /// float64 from the model's outputs.
    /// </remarks>
    public static class LipschitzEstimates
    {
        /// <summary>Default perturbation norm of <see cref="Perturbation"/>.</summary>
        /// <remarks>
        /// Any ratio is a lower bound whatever ε, so ε only trades locality against rounding: a float32 model computes
        /// f(x + δ) − f(x) with an absolute error near 1e-6, which is 1e-4 of the ratio at ε = 1e-2 but 1e-3 at 1e-3.
        /// </remarks>
        public const double DefaultEpsilon = 1e-2;

        /// <summary>Default number of random perturbations per sample in <see cref="Perturbation"/>.</summary>
        public const int DefaultDraws = 10;

        /// <summary>
        /// ε-perturbation estimate: for every sample x and each of <paramref name="draws"/> random directions, δ of L2
        /// norm <paramref name="epsilon"/> (uniform on the sphere), the largest ‖f(x + δ) − f(x)‖ / ‖δ‖.
        /// </summary>
        /// <remarks>
        /// Random directions probe the average local slope, not the worst one: on a network with many inputs the
        /// result is usually well below the true constant (the deel-torchlip MNIST tutorial reports about 0.17 for a
        /// 1-Lipschitz model). The δ actually applied is (x + δ) − x as rounded in the input's dtype.
        /// </remarks>
        /// <param name="model">The model (any module mapping a tensor to a tensor).</param>
        /// <param name="x">Samples, shape (N, ...), floating point.</param>
        /// <param name="epsilon">L2 norm of each perturbation (&gt; 0).</param>
        /// <param name="draws">Number of perturbations per sample (≥ 1).</param>
        /// <param name="seed">Seed of the directions (a private generator: the global one is left alone).</param>
        /// <returns>The largest ratio found.</returns>
        public static double Perturbation(nn.Module<Tensor, Tensor> model, Tensor x, double epsilon = DefaultEpsilon, int draws = DefaultDraws, long seed = 0)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckSamples(x, 1, "lipschitz_eps_estimate");
            ArgumentChecks.PositiveFinite(epsilon, nameof(epsilon));
            ArgumentChecks.Positive(draws, nameof(draws));

            using var mode = new EvalModeScope(model);
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)seed, x.device);
            long n = x.shape[0];
            var fx = Flat(model.call(x));
            using var eps = epsilon.ToScalar();
            var best = 0.0;
            for (int d = 0; d < draws; d++)
            {
                using var draw = torch.NewDisposeScope();
                var g = torch.randn(x.shape, dtype: x.dtype, device: x.device, generator: generator);
                var gNorm = g.reshape(n, -1).norm(1, true, 2.0f).clamp_min(ScalarCache.Of(1e-30));
                var shifted = x.add(Broadcast(g.reshape(n, -1).div(gNorm).mul(eps), x), ScalarCache.Of(1.0));
                var delta = Flat(shifted - x);
                var ratio = (Flat(model.call(shifted)) - fx).norm(1, false, 2.0f) / delta.norm(1, false, 2.0f);
                best = Math.Max(best, ratio.max().item<double>());
            }
            return best;
        }

        /// <summary>
        /// Pairwise estimate: the largest ‖f(x_i) − f(x_j)‖ / ‖x_i − x_j‖ over all pairs of distinct samples
        /// (scipy's <c>pdist</c> on inputs and outputs). Time grows as N², memory as N (rows are processed in blocks).
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...), N ≥ 2, floating point; identical samples are skipped.</param>
        /// <returns>The largest ratio over the pairs.</returns>
        public static double Pairwise(nn.Module<Tensor, Tensor> model, Tensor x)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckSamples(x, 2, "lipschitz_pairwise_estimate");

            using var mode = new EvalModeScope(model);
            using var scope = torch.NewDisposeScope();
            var f = Flat(model.call(x));
            var xs = Flat(x);
            var sq = xs.mul(xs).sum(1, true);
            // ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b in float64: one matrix product per block instead of cdist's exact O(N²·d) loop;
            // equal inputs come out as rounding noise (~1e-16·‖x‖²) instead of 0, so below 1e-10·max‖x‖² they count as identical.
            using var identical = (1e-10 * Math.Max(sq.max().item<double>(), double.Epsilon)).ToScalar();
            double best = double.NegativeInfinity;
            const long block = 256;
            for (long start = 0; start < xs.shape[0]; start += block)
            {
                using var blockScope = torch.NewDisposeScope();
                long end = Math.Min(start + block, xs.shape[0]);
                var rows = xs[TensorIndex.Slice(start, end)];
                // The ratio is symmetric in the pair: each block of rows is paired with itself and the columns after it only.
                var columns = xs[TensorIndex.Slice(start)];
                var dx2 = (sq[TensorIndex.Slice(start, end)].add(sq[TensorIndex.Slice(start)].t(), ScalarCache.Of(1.0)) - rows.mm(columns.t()).mul(ScalarCache.Of(2.0))).clamp_min(ScalarCache.Of(0.0));
                var distinct = dx2.gt(identical);
                var df = torch.cdist(f[TensorIndex.Slice(start, end)], f[TensorIndex.Slice(start)], 2.0, compute_mode.donot_use_mm_for_euclid_dist);   // few outputs: exact is cheap
                var ratio = torch.where(distinct, df / torch.where(distinct, dx2, torch.ones_like(dx2)).sqrt(), torch.full_like(df, ScalarCache.Of(double.NegativeInfinity)));
                best = Math.Max(best, ratio.max().item<double>());
            }
            if (double.IsNegativeInfinity(best))
                throw new ArgumentException("lipschitz_pairwise_estimate: all samples are identical; pass at least two different inputs.", nameof(x));
            return best;
        }

        private static Tensor Flat(Tensor t) => t.reshape(t.shape[0], -1).to_type(ScalarType.Float64);

        private static Tensor Broadcast(Tensor flat, Tensor like) => flat.reshape(like.shape).to_type(like.dtype);

        private static void CheckSamples(Tensor x, int minCount, string who)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentChecks.FloatingPoint(x, nameof(x), who);
            if (x.dim() < 1 || x.shape[0] < minCount)
                throw new ArgumentException($"{who}: x must hold at least {minCount} sample(s) along dimension 0, got shape {ArgumentChecks.Shape(x)}.", nameof(x));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>ε-perturbation Lipschitz estimate (a lower bound). See <see cref="Evaluation.LipschitzEstimates.Perturbation"/>.</summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="epsilon">L2 norm of each random perturbation.</param>
        /// <param name="draws">Perturbations per sample.</param>
        /// <param name="seed">Seed of the random directions.</param>
        public static double lipschitz_eps_estimate(nn.Module<Tensor, Tensor> model, Tensor x,
            double epsilon = Evaluation.LipschitzEstimates.DefaultEpsilon, int draws = Evaluation.LipschitzEstimates.DefaultDraws, long seed = 0)
            => Evaluation.LipschitzEstimates.Perturbation(model, x, epsilon, draws, seed);

        /// <summary>Pairwise Lipschitz estimate over all sample pairs (a lower bound). See <see cref="Evaluation.LipschitzEstimates.Pairwise"/>.</summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...), N ≥ 2.</param>
        public static double lipschitz_pairwise_estimate(nn.Module<Tensor, Tensor> model, Tensor x)
            => Evaluation.LipschitzEstimates.Pairwise(model, x);
    }
}
