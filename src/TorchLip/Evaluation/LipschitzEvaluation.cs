using System;
using System.Linq;
using TorchLip.Internal;
using TorchLip.Modules;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Evaluation
{
    /// <summary>
    /// The estimates of <see cref="LipschitzEvaluation.Evaluate"/>: each a lower bound of the model's Lipschitz constant
    /// (null when not asked for).
    /// </summary>
    /// <param name="JacobianNorm">Largest spectral norm of the input Jacobian over the samples (with disjoint neurons, largest row norm).</param>
    /// <param name="NoiseNorm">Largest ratio ‖f(x + n) − f(x)‖ / ‖n‖ over random perturbations n.</param>
    /// <param name="Attack">Largest ratio found by gradient ascent on the perturbation.</param>
    public sealed record EmpiricalLipschitz(double? JacobianNorm, double? NoiseNorm, double? Attack)
    {
        /// <summary>The largest of the estimates computed (deel-torchlip's return value).</summary>
        public double Estimate => new[] { JacobianNorm, NoiseNorm, Attack }.Where(v => v is not null).Select(v => v!.Value).DefaultIfEmpty(double.NaN).Max();
    }

    /// <summary>
    /// deel-torchlip's <c>evaluate_lip_const</c>: three local estimates of a model's Lipschitz constant (lower bounds of the
    /// true constant), and the rigorous upper bound a TorchLip model certifies.
    /// </summary>
    /// <remarks>
    /// Unlike the reference, every method runs the model in eval mode (a train-mode forward of a constrained layer advances
    /// its power iteration, and a different weight would be measured) and gives every submodule its previous mode back.
    /// The model must treat samples independently (true of every TorchLip layer in eval mode): the Jacobian of a batch is
    /// read one output row at a time, each sample's row being the gradient of the batch's sum. Ratios and norms are
    /// computed in float64 from the model's outputs.
    /// </remarks>
    public static class LipschitzEvaluation
    {
        /// <summary>Default norm scale of the random perturbations (deel-torchlip's <c>epsilon_noise</c>).</summary>
        public const double DefaultEpsilon = 1.0;

        /// <summary>
        /// Computes the estimates named by <paramref name="evaluation_type"/>: "jacobian_norm", "noise_norm", "attack", or
        /// "all" (a comma-separated list of those also works).
        /// </summary>
        /// <param name="model">The model (any module; its bound is not needed).</param>
        /// <param name="x">Samples, shape (N, ...), floating point.</param>
        /// <param name="evaluation_type">Which estimates: "all", "jacobian_norm", "noise_norm", "attack", or a comma-separated list.</param>
        /// <param name="disjoint_neurons">Bound each output coordinate separately: the largest gradient norm of one output
        /// (Jacobian), or the largest |Δf_j| / ‖n‖ (noise, attack), instead of the norm of the whole output.</param>
        /// <param name="num_noisy_samples">Noise: perturbations per sample.</param>
        /// <param name="epsilon_noise">Noise and attack: scale of the perturbations (noise n = ε·g·u, g standard normal,
        /// u uniform in [0, 1) per draw; the attack keeps ‖n‖ = ε).</param>
        /// <param name="num_iterations">Attack: ascent steps.</param>
        /// <param name="step_size">Attack: step length as a fraction of ε.</param>
        /// <param name="seed">Seed of the random draws (a private generator: the global one is left alone).</param>
        /// <exception cref="ArgumentException">An unknown evaluation type, or samples that are not (N, ...) floating point.</exception>
        public static EmpiricalLipschitz Evaluate(nn.Module<Tensor, Tensor> model, Tensor x, string evaluation_type = "all",
            bool disjoint_neurons = false, int num_noisy_samples = 10, double epsilon_noise = DefaultEpsilon, int num_iterations = 100,
            double step_size = 0.5, long seed = 0)
        {
            const string who = "evaluate_lip_const";
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(evaluation_type);
            CheckSamples(x, who);
            ArgumentChecks.Positive(num_noisy_samples, nameof(num_noisy_samples));
            ArgumentChecks.PositiveFinite(epsilon_noise, nameof(epsilon_noise));
            ArgumentChecks.Positive(num_iterations, nameof(num_iterations));
            ArgumentChecks.PositiveFinite(step_size, nameof(step_size));
            var kinds = evaluation_type.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var known = new[] { "all", "jacobian_norm", "noise_norm", "attack" };
            var unknown = kinds.Where(k => !known.Contains(k)).ToArray();
            if (kinds.Length == 0 || unknown.Length > 0)
                throw new ArgumentException($"{who}: unknown evaluation_type \"{evaluation_type}\"; use \"all\", \"jacobian_norm\", \"noise_norm\", \"attack\" or a comma-separated list of them.", nameof(evaluation_type));
            bool all = kinds.Contains("all");
            return new EmpiricalLipschitz(
                all || kinds.Contains("jacobian_norm") ? JacobianNorm(model, x, disjoint_neurons) : null,
                all || kinds.Contains("noise_norm") ? NoiseNorm(model, x, disjoint_neurons, num_noisy_samples, epsilon_noise, seed) : null,
                all || kinds.Contains("attack") ? Attack(model, x, disjoint_neurons, epsilon_noise, num_iterations, step_size, seed) : null);
        }

        /// <summary>
        /// The largest spectral norm of the input Jacobian over the samples, each row (one output) obtained by autograd; with
        /// <paramref name="disjoint_neurons"/>, the largest norm of one row. For a map that is linear near x it is that
        /// map's norm; in general a lower bound of the Lipschitz constant.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="disjoint_neurons">Row norms instead of the spectral norm.</param>
        public static double JacobianNorm(nn.Module<Tensor, Tensor> model, Tensor x, bool disjoint_neurons = false)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckSamples(x, "jacobian_norm");
            using var mode = new EvalModeScope(model, gradients: true);
            using var scope = torch.NewDisposeScope();
            long n = x.shape[0];
            var xi = x.detach().clone().requires_grad_(true);
            var f = model.call(xi).reshape(n, -1);
            long outputs = f.shape[1];
            var rows = new Tensor[outputs];
            for (long j = 0; j < outputs; j++)
            {
                // libtorch aborts the process (not an exception) when asked the gradient of a constant.
                if (!f.requires_grad)
                {
                    rows[j] = torch.zeros(n, xi[0].numel(), dtype: ScalarType.Float64, device: x.device);
                    continue;
                }
                var g = torch.autograd.grad(new[] { f[TensorIndex.Colon, j].sum() }, new[] { xi }, retain_graph: j < outputs - 1, allow_unused: true)[0];
                // An output that does not depend on the input has a zero row.
                rows[j] = g is null || g.IsInvalid ? torch.zeros(n, xi[0].numel(), dtype: ScalarType.Float64, device: x.device)
                    : g.detach().reshape(n, -1).to_type(ScalarType.Float64);
            }
            var jacobian = torch.stack(rows, 1);                       // (N, outputs, inputs)
            var norms = disjoint_neurons ? jacobian.norm(2, false, 2.0f).amax(1) : torch.linalg.svdvals(jacobian).amax(1);
            return norms.max().item<double>();
        }

        /// <summary>
        /// deel-torchlip's noise estimate: for each of <paramref name="draws"/> perturbations n = ε·g·u (g standard normal of
        /// the input's shape, u one uniform number in [0, 1) per draw), the largest ‖f(x + n) − f(x)‖ / ‖n‖ over the samples.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="disjoint_neurons">Largest |f_j(x + n) − f_j(x)| / ‖n‖ instead of the output's norm.</param>
        /// <param name="draws">Perturbations per sample.</param>
        /// <param name="epsilon">ε.</param>
        /// <param name="seed">Seed of the draws.</param>
        public static double NoiseNorm(nn.Module<Tensor, Tensor> model, Tensor x, bool disjoint_neurons = false, int draws = 10,
            double epsilon = DefaultEpsilon, long seed = 0)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckSamples(x, "noise_norm");
            ArgumentChecks.Positive(draws, nameof(draws));
            ArgumentChecks.PositiveFinite(epsilon, nameof(epsilon));
            using var mode = new EvalModeScope(model);
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)seed, x.device);
            var fx = Flat(model.call(x));
            double best = 0;
            for (int d = 0; d < draws; d++)
            {
                using var draw = torch.NewDisposeScope();
                var u = torch.rand(1, dtype: ScalarType.Float64, generator: generator).item<double>();
                using var scale = (epsilon * u).ToScalar();
                var noise = torch.randn(x.shape, dtype: x.dtype, device: x.device, generator: generator).mul(scale);
                var shifted = x.add(noise, ScalarCache.Of(1.0));
                best = Math.Max(best, Ratios(Flat(model.call(shifted)), fx, Flat(shifted).sub(Flat(x)), disjoint_neurons).max().item<double>());
            }
            return best;
        }

        /// <summary>
        /// A gradient-ascent estimate: from a random perturbation of norm ε per sample, <paramref name="iterations"/> steps
        /// that move it along the gradient of the ratio ‖f(x + n) − f(x)‖ / ‖n‖ and bring it back to norm ε (projected
        /// ascent on the sphere, which converges to the top singular direction where f is linear); the largest ratio met.
        /// </summary>
        /// <remarks>
        /// deel-torchlip takes sign steps of a fixed size on the mean ratio, whose result depends on the input's dimension and
        /// lets ‖n‖ shrink to where rounding dominates the ratio; a fixed norm keeps every ratio that of a real pair of
        /// inputs at distance ε.
        /// </remarks>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="disjoint_neurons">Largest |Δf_j| / ‖n‖ instead of ‖Δf‖ / ‖n‖.</param>
        /// <param name="epsilon">ε, the perturbations' norm.</param>
        /// <param name="iterations">Ascent steps.</param>
        /// <param name="step_size">Step length as a fraction of ε.</param>
        /// <param name="seed">Seed of the starting perturbations.</param>
        public static double Attack(nn.Module<Tensor, Tensor> model, Tensor x, bool disjoint_neurons = false, double epsilon = DefaultEpsilon,
            int iterations = 100, double step_size = 0.5, long seed = 0)
        {
            ArgumentNullException.ThrowIfNull(model);
            CheckSamples(x, "attack");
            ArgumentChecks.PositiveFinite(epsilon, nameof(epsilon));
            ArgumentChecks.Positive(iterations, nameof(iterations));
            ArgumentChecks.PositiveFinite(step_size, nameof(step_size));
            using var mode = new EvalModeScope(model, gradients: true);
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)seed, x.device);
            using var eps = epsilon.ToScalar();
            using var step = (step_size * epsilon).ToScalar();
            long n = x.shape[0];
            var xd = x.detach();
            Tensor fx;
            using (torch.no_grad()) fx = Flat(model.call(xd));
            var delta = OnSphere(torch.randn(x.shape, dtype: x.dtype, device: x.device, generator: generator), eps);
            double best = 0;
            for (int i = 0; i <= iterations; i++)
            {
                using var iteration = torch.NewDisposeScope();
                var d = delta.detach().requires_grad_(true);
                var shifted = xd.add(d, ScalarCache.Of(1.0));
                var ratios = Ratios(Flat(model.call(shifted)), fx, Flat(shifted).sub(Flat(xd)), disjoint_neurons);
                best = Math.Max(best, ratios.max().item<double>());
                if (i == iterations || !ratios.requires_grad) break;   // a constant model: no gradient to follow
                var g = torch.autograd.grad(new[] { ratios.sum() }, new[] { d }, allow_unused: true)[0];
                if (g is null || g.IsInvalid) break;   // the output does not depend on the input
                using (torch.no_grad())
                {
                    var unit = g.reshape(n, -1).div(g.reshape(n, -1).norm(1, true, 2.0f).clamp_min(ScalarCache.Of(1e-30))).reshape(x.shape);
                    delta = OnSphere(d.detach().add(unit.mul(step), ScalarCache.Of(1.0)), eps).MoveToOuterDisposeScope();
                }
            }
            return best;
        }

        /// <summary>
        /// The rigorous upper bound of a model's Lipschitz constant: the product bound of its layers
        /// (<see cref="LipschitzBounds.Map"/>) times the rounding allowance (1 + 1e-5) of every constrained layer, i.e. the
        /// constant the certificates use. +∞ when a layer has no known bound.
        /// </summary>
        /// <param name="model">A TorchLip model, or any module <see cref="LipschitzBounds"/> can bound.</param>
        public static double UpperBound(nn.Module model)
        {
            ArgumentNullException.ThrowIfNull(model);
            return LipschitzBounds.Map(model) * RoundingAllowance(model);
        }

        /// <summary>
        /// The certified upper bound of each output coordinate on its own: for a TorchLip model, its
        /// <see cref="LipschitzModule.output_lipschitz_constant"/> times the rounding allowance (below the map's bound when
        /// the last layer bounds its outputs separately, e.g. <c>FrobeniusLinear(disjoint_neurons: true)</c>); for any
        /// other module, the map's bound <see cref="UpperBound"/> (an output never moves faster than the whole map).
        /// </summary>
        /// <param name="model">A TorchLip model, or any module <see cref="LipschitzBounds"/> can bound.</param>
        public static double OutputUpperBound(nn.Module model)
        {
            double map = UpperBound(model);
            return model is LipschitzModule lipschitz ? Math.Min(map, lipschitz.output_lipschitz_constant * RoundingAllowance(model)) : map;
        }

        /// <summary>(1 + <see cref="SpectralCertificate.Tolerance"/>)^(number of constrained layers in the tree).</summary>
        internal static double RoundingAllowance(nn.Module model)
        {
            int constrained = (model is ConstrainedModule ? 1 : 0) + model.named_modules().Count(c => c.module is ConstrainedModule);
            return Math.Pow(1 + SpectralCertificate.Tolerance, constrained);
        }

        // Per-sample ‖Δf‖ / ‖Δx‖ (or max_j |Δf_j| / ‖Δx‖), float64, differentiable in Δx.
        private static Tensor Ratios(Tensor f, Tensor fx, Tensor dx, bool disjoint)
        {
            var df = f.sub(fx);
            var numerator = disjoint ? df.abs().amax(1) : df.norm(1, false, 2.0f);
            return numerator.div(dx.norm(1, false, 2.0f).clamp_min(ScalarCache.Of(1e-300)));
        }

        private static Tensor OnSphere(Tensor d, Scalar radius)
        {
            long n = d.shape[0];
            var flat = d.reshape(n, -1);
            return flat.div(flat.norm(1, true, 2.0f).clamp_min(ScalarCache.Of(1e-30))).mul(radius).reshape(d.shape);
        }

        private static Tensor Flat(Tensor t) => t.reshape(t.shape[0], -1).to_type(ScalarType.Float64);

        private static void CheckSamples(Tensor x, string who)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentChecks.FloatingPoint(x, nameof(x), who);
            if (x.dim() < 1 || x.shape[0] < 1)
                throw new ArgumentException($"{who}: x must hold at least one sample along dimension 0, got shape {ArgumentChecks.Shape(x)}.", nameof(x));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// deel-torchlip's <c>evaluate_lip_const</c>: local lower-bound estimates of the Lipschitz constant (Jacobian norm,
        /// noise ratio, gradient attack), in eval mode. See <see cref="Evaluation.LipschitzEvaluation.Evaluate"/>.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="evaluation_type">"all", "jacobian_norm", "noise_norm", "attack", or a comma-separated list.</param>
        /// <param name="disjoint_neurons">Bound each output coordinate separately.</param>
        /// <param name="num_noisy_samples">Noise: perturbations per sample.</param>
        /// <param name="epsilon_noise">Noise and attack: perturbation scale.</param>
        /// <param name="num_iterations">Attack: ascent steps.</param>
        /// <param name="step_size">Attack: step as a fraction of ε.</param>
        /// <param name="seed">Seed of the random draws.</param>
        public static Evaluation.EmpiricalLipschitz evaluate_lip_const(nn.Module<Tensor, Tensor> model, Tensor x, string evaluation_type = "all",
            bool disjoint_neurons = false, int num_noisy_samples = 10, double epsilon_noise = Evaluation.LipschitzEvaluation.DefaultEpsilon,
            int num_iterations = 100, double step_size = 0.5, long seed = 0)
            => Evaluation.LipschitzEvaluation.Evaluate(model, x, evaluation_type, disjoint_neurons, num_noisy_samples, epsilon_noise, num_iterations, step_size, seed);

        /// <summary>
        /// The certified upper bound of a model's Lipschitz constant: the product of its layers' bounds times their rounding
        /// allowance. See <see cref="Evaluation.LipschitzEvaluation.UpperBound"/>.
        /// </summary>
        /// <param name="model">A TorchLip model or a module whose layers have known bounds.</param>
        public static double lipschitz_upper_bound(nn.Module model) => Evaluation.LipschitzEvaluation.UpperBound(model);

        /// <summary>
        /// The certified upper bound of each output coordinate: at most <see cref="lipschitz_upper_bound"/>, smaller for a
        /// TorchLip model whose last layer bounds its outputs separately. See <see cref="Evaluation.LipschitzEvaluation.OutputUpperBound"/>.
        /// </summary>
        /// <param name="model">A TorchLip model or a module whose layers have known bounds.</param>
        public static double output_lipschitz_upper_bound(nn.Module model) => Evaluation.LipschitzEvaluation.OutputUpperBound(model);
    }
}
