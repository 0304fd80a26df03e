using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Evaluation
{
    /// <summary>What <see cref="MinimalAttack.Run"/> found, per sample.</summary>
    /// <param name="Distances">‖x_adv − x‖₂ in float64, shape (N); +∞ where no flip was found.</param>
    /// <param name="Adversarial">The adversarial examples, shape and dtype of x (x itself where no flip was found). Each
    /// was checked by one batched forward pass of the model in eval mode: its decision differs from x's.</param>
    public sealed record AttackResult(Tensor Distances, Tensor Adversarial)
    {
        /// <summary>Number of samples for which a flip was found.</summary>
        public long Found => Distances.isfinite().sum().item<long>();
    }

    /// <summary>
    /// A count of samples whose attack distance is below their certificate (<see cref="MinimalAttack.Violations"/>).
    /// </summary>
    /// <param name="Violations">Samples with distance &lt; radius − tolerance: a certificate the model does not honour.</param>
    /// <param name="ViolatingSamples">Their indices.</param>
    /// <param name="Found">Samples the attack flipped (the others check nothing).</param>
    /// <param name="Samples">Samples in all.</param>
    /// <param name="TightestRatio">The smallest distance / radius over the flipped samples with a positive radius (≥ 1 when
    /// sound; close to 1 when the certificates are tight); +∞ when none.</param>
    public sealed record CertificateViolations(long Violations, long[] ViolatingSamples, long Found, long Samples, double TightestRatio);

    /// <summary>
    /// A minimal-norm L2 attack inside the valid input range, to check a guarantee: for each sample, a perturbation as
    /// small as it can find that changes the model's decision (binary: the sign of its one output; multiclass: the argmax).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Method: projected gradient descent (PGD) on the decision margin inside the ball of radius ε ∩ [lo, hi], with a
    /// per-sample search on ε (doubling from the linearized distance margin/‖∇margin‖ until a flip is found, then bisection
    /// between the largest radius where none was found and the smallest flip). It was chosen over DDN (Rony et al. 2019)
    /// because the question asked here is "is there a flip within r?", which is exactly what one PGD run answers, and the
    /// bisection then drives the found distance to the boundary to any relative precision (2^−rounds) with no step-size
    /// schedule to tune: DDN's multiplicative ε updates (γ = 0.05) settle within a few percent of the boundary, too coarse
    /// to detect a certificate that is a few percent too large. Each radius is started from the best flip found so far,
    /// scaled to the radius, so on a locally linear boundary one PGD step already lands on it.
    /// </para>
    /// <para>
    /// Every reported example is an actual input in [lo, hi] whose decision differs, confirmed by a final batched forward
    /// pass; its distance is recomputed from it in float64. So distances are upper bounds of the true minimal distance, and
    /// a distance below a certificate is a violation (up to the float32 rounding of the model's outputs). Deterministic for
    /// a seed (the generator only draws a direction where the margin's gradient vanishes). The model runs in eval mode and
    /// every submodule gets its previous mode back.
    /// </para>
    /// </remarks>
    public static class MinimalAttack
    {
        /// <summary>Default PGD steps per radius.</summary>
        public const int DefaultSteps = 20;

        /// <summary>Default radius updates (doublings and bisections together).</summary>
        public const int DefaultRounds = 20;

        /// <summary>Runs the attack.</summary>
        /// <param name="model">The classifier: one output (N) or (N, 1), class sign(f); or C ≥ 2 outputs (N, C), class argmax.</param>
        /// <param name="x">Samples, shape (N, ...), floating point, within [<paramref name="lower"/>, <paramref name="upper"/>].</param>
        /// <param name="lower">Smallest valid input value (e.g. 0 for pixels); −∞ for none.</param>
        /// <param name="upper">Largest valid input value (e.g. 1 for pixels); +∞ for none.</param>
        /// <param name="steps">PGD steps per radius.</param>
        /// <param name="rounds">Radius updates per sample.</param>
        /// <param name="seed">Seed of the fallback directions.</param>
        /// <param name="batch_size">Samples attacked together (memory grows with it; chunk i draws from seed + i).</param>
        /// <exception cref="ArgumentException">Samples outside [lower, upper], or outputs of an unexpected shape.</exception>
        public static AttackResult Run(nn.Module<Tensor, Tensor> model, Tensor x, double lower = double.NegativeInfinity,
            double upper = double.PositiveInfinity, int steps = DefaultSteps, int rounds = DefaultRounds, long seed = 0, int batch_size = DefaultBatchSize)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentChecks.Positive(batch_size, nameof(batch_size));
            if (x.dim() < 1 || x.size(0) <= batch_size) return RunChunk(model, x, lower, upper, steps, rounds, seed);
            var distances = new List<Tensor>();
            var adversarial = new List<Tensor>();
            long n = x.size(0);
            for (long start = 0, chunk = 0; start < n; start += batch_size, chunk++)
            {
                var part = RunChunk(model, x.narrow(0, start, Math.Min(batch_size, n - start)), lower, upper, steps, rounds, seed + chunk);
                distances.Add(part.Distances);
                adversarial.Add(part.Adversarial);
            }
            var result = new AttackResult(torch.cat(distances), torch.cat(adversarial));
            foreach (var t in distances.Concat(adversarial)) t.Dispose();
            return result;
        }

        /// <summary>Default number of samples attacked together.</summary>
        public const int DefaultBatchSize = 256;

        private static AttackResult RunChunk(nn.Module<Tensor, Tensor> model, Tensor x, double lower, double upper, int steps, int rounds, long seed)
        {
            const string who = "minimal_l2_attack";
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(x);
            ArgumentChecks.FloatingPoint(x, nameof(x), who);
            if (x.dim() < 1 || x.shape[0] < 1)
                throw new ArgumentException($"{who}: x must hold at least one sample along dimension 0, got shape {ArgumentChecks.Shape(x)}.", nameof(x));
            if (double.IsNaN(lower) || double.IsNaN(upper) || !(lower < upper))
                throw new ArgumentException($"{who}: the valid range [lower, upper] must be non-empty, got [{lower}, {upper}].", nameof(lower));
            ArgumentChecks.Positive(steps, nameof(steps));
            ArgumentChecks.Positive(rounds, nameof(rounds));

            using var mode = new EvalModeScope(model, gradients: true);
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)seed, x.device);
            long n = x.shape[0];
            var xd = x.detach();
            using var lo = lower.ToScalar();
            using var hi = upper.ToScalar();
            using (torch.no_grad())
                if (xd.lt(lo).any().item<bool>() || xd.gt(hi).any().item<bool>())
                    throw new ArgumentException($"{who}: x has values outside the valid range [{lower}, {upper}]; clamp the samples or widen the range.", nameof(x));

            Tensor reference;
            using (torch.no_grad()) reference = Outputs(model.call(xd), n, who);
            bool binary = reference.shape[1] == 1;
            var decision = Decision(reference, binary);
            // The margin is positive while the decision holds; for a binary output at exactly 0, any sign counts as +.
            var sign = binary ? torch.where(reference.ge(ScalarCache.Of(0.0)), torch.ones_like(reference), torch.ones_like(reference).neg()) : null;

            var best = torch.full(n, ScalarCache.Of(double.PositiveInfinity), dtype: ScalarType.Float64, device: x.device);
            var bestDelta = torch.zeros_like(xd);
            var below = torch.zeros(n, dtype: ScalarType.Float64, device: x.device);   // largest radius searched without a flip
            var (guessDirection, guess) = Linearized(model, xd, n, binary, sign, decision, generator);
            var radius = guess;

            for (int round = 0; round < rounds; round++)
            {
                using var roundScope = torch.NewDisposeScope();
                var found = best.isfinite();
                if (round > 0)
                    radius = torch.where(found, below.add(best, ScalarCache.Of(1.0)).mul(ScalarCache.Of(0.5)), radius.mul(ScalarCache.Of(2.0)));
                // Start from the best flip scaled to the radius, else along the linearized direction.
                var startDirection = torch.where(Expand(found, xd), bestDelta.div(Expand(best.clamp_min(ScalarCache.Of(1e-300)), xd).to_type(xd.dtype)), guessDirection);
                var delta = Project(xd, startDirection.mul(Expand(radius, xd).to_type(xd.dtype)), radius, lo, hi);
                var flippedHere = torch.zeros(n, dtype: ScalarType.Bool, device: x.device);
                for (int t = 0; t <= steps; t++)
                {
                    using var stepScope = torch.NewDisposeScope();
                    var d = delta.detach().requires_grad_(true);
                    var adversarial = xd.add(d, ScalarCache.Of(1.0));
                    var f = Outputs(model.call(adversarial), n, who);
                    using (torch.no_grad())
                    {
                        var flipped = Decision(f, binary).ne(decision);
                        var distance = Flat(adversarial).sub(Flat(xd)).norm(1, false, 2.0f);
                        var better = flipped.logical_and(distance.lt(best));
                        best.copy_(torch.where(better, distance, best));
                        bestDelta.copy_(torch.where(Expand(better, xd), d.detach(), bestDelta));
                        flippedHere.logical_or_(flipped);
                    }
                    var margin = Margin(f, binary, sign, decision);
                    // libtorch aborts the process (not an exception) when asked the gradient of a constant.
                    if (t == steps || !margin.requires_grad) break;
                    var g = torch.autograd.grad(new[] { margin.sum() }, new[] { d }, allow_unused: true)[0];
                    if (g is null || g.IsInvalid) break;   // the outputs do not depend on the input
                    using (torch.no_grad())
                    {
                        var unit = Unit(g, generator);
                        using var rate = (0.3 * (1 - (double)t / steps) + 0.02).ToScalar();
                        var next = d.detach().sub(unit.mul(Expand(radius, xd).to_type(xd.dtype)).mul(rate));
                        delta = Project(xd, next, radius, lo, hi).MoveToOuterDisposeScope();
                    }
                }
                below.copy_(torch.where(flippedHere, below, torch.maximum(below, radius)));
                radius = radius.detach().MoveToOuterDisposeScope();
                using (torch.no_grad())
                    if (best.isfinite().all().item<bool>() && best.le(below.mul(ScalarCache.Of(1 + 1e-6))).all().item<bool>()) break;
            }

            // One batched forward pass confirms every example; its distance is recomputed from it.
            using (torch.no_grad())
            {
                var found = best.isfinite();
                var candidate = torch.where(Expand(found, xd), xd.add(bestDelta, ScalarCache.Of(1.0)), xd);
                var confirmed = found.logical_and(Decision(Outputs(model.call(candidate), n, who), binary).ne(decision));
                var adversarial = torch.where(Expand(confirmed, xd), candidate, xd);
                var distances = torch.where(confirmed, Flat(adversarial).sub(Flat(xd)).norm(1, false, 2.0f),
                    torch.full_like(best, ScalarCache.Of(double.PositiveInfinity)));
                return new AttackResult(distances.MoveToOuterDisposeScope(), adversarial.MoveToOuterDisposeScope());
            }
        }

        /// <summary>
        /// Counts the samples whose attack distance is below their certificate: distance &lt; radius − (rtol·radius + atol).
        /// For a TorchLip model and its certificates the count must be 0; the tolerances absorb the float32 rounding of the
        /// model's outputs, which moves its decision boundary by about 1e-6 of the outputs' size.
        /// </summary>
        /// <param name="radii">Certified radii, shape (N) (from <c>binary_certificates</c> or <c>multiclass_certificates</c>).</param>
        /// <param name="attack">The attack's result on the same samples.</param>
        /// <param name="rtol">Relative tolerance.</param>
        /// <param name="atol">Absolute tolerance (input units).</param>
        public static CertificateViolations Violations(Tensor radii, AttackResult attack, double rtol = 1e-5, double atol = 1e-5)
        {
            ArgumentNullException.ThrowIfNull(radii);
            ArgumentNullException.ThrowIfNull(attack);
            ArgumentChecks.NonNegativeFinite(rtol, nameof(rtol));
            ArgumentChecks.NonNegativeFinite(atol, nameof(atol));
            if (radii.numel() != attack.Distances.numel())
                throw new ArgumentException($"certificate_violations: {radii.numel()} radii for {attack.Distances.numel()} attacked samples; pass the certificates of the samples attacked.", nameof(radii));
            using var scope = torch.NewDisposeScope();
            var r = radii.detach().reshape(-1).to_type(ScalarType.Float64).to(attack.Distances.device);
            var d = attack.Distances;
            using var keep = (1 - rtol).ToScalar();
            using var slack = atol.ToScalar();
            var violating = d.lt(r.mul(keep).sub(slack));
            var indices = violating.nonzero().reshape(-1).data<long>().ToArray();
            var found = d.isfinite();
            var ratios = torch.where(found.logical_and(r.gt(ScalarCache.Of(0.0))), d.div(r.clamp_min(ScalarCache.Of(1e-300))), torch.full_like(d, ScalarCache.Of(double.PositiveInfinity)));
            return new CertificateViolations(indices.Length, indices, found.sum().item<long>(), d.numel(), ratios.min().item<double>());
        }

        // The outputs as (N, C) float64, C = 1 for a binary classifier.
        private static Tensor Outputs(Tensor f, long n, string who)
        {
            if (f.dim() == 1 && f.shape[0] == n || f.dim() == 2 && f.shape[0] == n)
                return f.reshape(n, -1).to_type(ScalarType.Float64);
            throw new ArgumentException($"{who}: a classifier's output must be (N), (N, 1) or (N, C) for N = {n} samples, got {ArgumentChecks.Shape(f)}.", "model");
        }

        // Binary: the sign of the output (−1, 0, 1); multiclass: the argmax.
        private static Tensor Decision(Tensor f, bool binary) => binary ? f.reshape(-1).sign().to_type(ScalarType.Int64) : f.argmax(1);

        // Positive while the decision holds: s·f, or f_c − max_{j≠c} f_j.
        private static Tensor Margin(Tensor f, bool binary, Tensor? sign, Tensor decision)
        {
            if (binary) return f.mul(sign!).reshape(-1);
            var index = decision.unsqueeze(1);
            var own = f.gather(1, index).reshape(-1);
            var others = f.scatter(1, index, torch.full_like(f, ScalarCache.Of(double.NegativeInfinity))).amax(1);
            return own.sub(others);
        }

        // The unit direction that lowers the margin fastest at x, and the linearized distance margin/‖∇margin‖.
        private static (Tensor direction, Tensor distance) Linearized(nn.Module<Tensor, Tensor> model, Tensor xd, long n, bool binary, Tensor? sign,
            Tensor decision, Generator generator)
        {
            var d = torch.zeros_like(xd).requires_grad_(true);
            var margin = Margin(Outputs(model.call(xd.add(d, ScalarCache.Of(1.0))), n, "minimal_l2_attack"), binary, sign, decision);
            var g = margin.requires_grad ? torch.autograd.grad(new[] { margin.sum() }, new[] { d }, allow_unused: true)[0] : null;
            using var noGrad = torch.no_grad();
            if (g is null || g.IsInvalid) g = torch.zeros_like(xd);
            var gradientNorm = Flat(g).norm(1, false, 2.0f);
            var distance = margin.detach().clamp_min(ScalarCache.Of(0.0)).div(gradientNorm.clamp_min(ScalarCache.Of(1e-12)));
            // A flat margin gives no distance to start from: start at the scale of the samples themselves.
            var scale = Flat(xd).norm(1, false, 2.0f).clamp_min(ScalarCache.Of(1.0));
            distance = torch.where(gradientNorm.gt(ScalarCache.Of(1e-12)), distance, scale).clamp_min(ScalarCache.Of(1e-6));
            return (Unit(g, generator).neg(), distance);
        }

        // g / ‖g‖ per sample; a random unit direction where g vanishes.
        private static Tensor Unit(Tensor g, Generator generator)
        {
            long n = g.shape[0];
            var flat = g.reshape(n, -1);
            var norm = flat.norm(1, true, 2.0f);
            var random = torch.randn(flat.shape, dtype: flat.dtype, device: flat.device, generator: generator);
            random = random.div(random.norm(1, true, 2.0f).clamp_min(ScalarCache.Of(1e-30)));
            return torch.where(norm.gt(ScalarCache.Of(0.0)), flat.div(norm.clamp_min(ScalarCache.Of(1e-30))), random).reshape(g.shape);
        }

        // Onto the ball of radius r around x, then into [lo, hi] (which only brings x + δ closer to x, so it stays in the ball).
        private static Tensor Project(Tensor xd, Tensor delta, Tensor radius, Scalar lo, Scalar hi)
        {
            long n = xd.shape[0];
            var norm = Flat(delta).norm(1, false, 2.0f);
            var factor = torch.minimum(torch.ones_like(norm), radius.div(norm.clamp_min(ScalarCache.Of(1e-300))));
            var inBall = delta.mul(Expand(factor, xd).to_type(xd.dtype));
            return xd.add(inBall, ScalarCache.Of(1.0)).clamp(lo, hi).sub(xd);
        }

        // A per-sample (N) tensor shaped to broadcast against x (N, ...).
        private static Tensor Expand(Tensor perSample, Tensor like) =>
            perSample.reshape(new[] { like.shape[0] }.Concat(Enumerable.Repeat(1L, (int)like.dim() - 1)).ToArray());

        private static Tensor Flat(Tensor t) => t.reshape(t.shape[0], -1).to_type(ScalarType.Float64);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A minimal-norm L2 attack inside [lower, upper]: per sample, the smallest perturbation found that changes the
        /// decision (sign or argmax), by PGD with a bisection on the radius. See <see cref="Evaluation.MinimalAttack.Run"/>.
        /// </summary>
        /// <param name="model">The classifier (one output, or C ≥ 2).</param>
        /// <param name="x">Samples, shape (N, ...), within [lower, upper].</param>
        /// <param name="lower">Smallest valid input value; −∞ for none.</param>
        /// <param name="upper">Largest valid input value; +∞ for none.</param>
        /// <param name="steps">PGD steps per radius.</param>
        /// <param name="rounds">Radius updates per sample.</param>
        /// <param name="seed">Seed of the fallback directions.</param>
        /// <param name="batch_size">Samples attacked together (memory grows with it).</param>
        public static Evaluation.AttackResult minimal_l2_attack(nn.Module<Tensor, Tensor> model, Tensor x, double lower = double.NegativeInfinity,
            double upper = double.PositiveInfinity, int steps = Evaluation.MinimalAttack.DefaultSteps, int rounds = Evaluation.MinimalAttack.DefaultRounds, long seed = 0,
            int batch_size = Evaluation.MinimalAttack.DefaultBatchSize)
            => Evaluation.MinimalAttack.Run(model, x, lower, upper, steps, rounds, seed, batch_size);

        /// <summary>
        /// Counts the samples whose attack distance is below their certificate (0 for a sound certificate). See
        /// <see cref="Evaluation.MinimalAttack.Violations"/>.
        /// </summary>
        /// <param name="radii">Certified radii (N).</param>
        /// <param name="attack">The attack's result on the same samples.</param>
        /// <param name="rtol">Relative tolerance.</param>
        /// <param name="atol">Absolute tolerance.</param>
        public static Evaluation.CertificateViolations certificate_violations(Tensor radii, Evaluation.AttackResult attack, double rtol = 1e-5, double atol = 1e-5)
            => Evaluation.MinimalAttack.Violations(radii, attack, rtol, atol);
    }
}
