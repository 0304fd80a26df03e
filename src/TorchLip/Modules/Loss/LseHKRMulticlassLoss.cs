using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Multiclass HKR loss with a log-sum-exp summary of the wrong classes (deel-torchlip 1.x). The scores are first
    /// multiplied by <see cref="temperature"/> (z = temperature·f); with pos = z at the true class and
    /// lse = (1/t) · logsumexp over the wrong classes of t·z, t = ln(C − 1) / (min_margin · penalty / 2) (a smooth
    /// maximum: max ≤ lse ≤ max + penalty · min_margin / 2), per sample:
    /// loss = (1 − alpha) · (lse − pos) + alpha · (relu(min_margin/2 − pos) + relu(min_margin/2 + lse)).
    /// </summary>
    /// <remarks>
    /// Two classes: t = ln(1) = 0 there and deel-torchlip returns NaN (0 · ∞). The log-sum-exp of a single wrong class
    /// is that score itself for every t, so with C = 2 this loss takes lse = the wrong class's score, the exact maximum
    /// (the limit of the formula, with finite values and gradients). The default alpha is 1 (hinge only), as in
    /// deel-torchlip; an alpha above 1 is replaced by alpha / (1 + alpha) with a warning.
    /// </remarks>
    public sealed class LseHKRMulticlassLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1] (default 1: hinge only).</param>
        /// <param name="temperature">Factor applied to the scores first (&gt; 0).</param>
        /// <param name="penalty">Sets the smoothness of the maximum (&gt; 0): the log-sum-exp exceeds the maximum by at most
        /// penalty · min_margin / 2.</param>
        /// <param name="min_margin">The margin m &gt; 0 (halved, as in <see cref="HingeMulticlassLoss"/>).</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public LseHKRMulticlassLoss(double alpha = 1.0, double temperature = 1.0, double penalty = 1.0, double min_margin = 1.0, string reduction = "mean")
            : base(nameof(LseHKRMulticlassLoss))
        {
            const string who = nameof(LseHKRMulticlassLoss);
            this.alpha = LossOptions.Alpha(alpha, who);
            ArgumentChecks.PositiveFinite(temperature, nameof(temperature));
            ArgumentChecks.PositiveFinite(penalty, nameof(penalty));
            ArgumentChecks.PositiveFinite(min_margin, nameof(min_margin));
            this.temperature = temperature;
            this.penalty = penalty;
            this.min_margin = min_margin;
            this.reduction = LossOptions.Reduction(reduction, who);
        }

        /// <summary>Weight of the hinge term in [0, 1].</summary>
        public double alpha { get; }

        /// <summary>Factor applied to the scores.</summary>
        public double temperature { get; }

        /// <summary>Smoothness of the maximum.</summary>
        public double penalty { get; }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}.</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            var positive = MulticlassTargets.Positive(input, target, nameof(LseHKRMulticlassLoss));
            long n = input.size(0), c = input.size(1);
            var z = input.mul(ScalarCache.Of(temperature));
            var pos = z.masked_select(positive);
            var neg = z.masked_select(positive.logical_not()).reshape(n, c - 1);
            Tensor lse;
            if (c == 2) lse = neg.squeeze(1);
            else
            {
                double t = Math.Log(c - 1) / (min_margin * penalty / 2);
                lse = neg.mul(ScalarCache.Of(t)).logsumexp(1).div(ScalarCache.Of(t));
            }
            var halfMargin = ScalarCache.Of(min_margin / 2);
            var one = ScalarCache.Of(1.0);
            Tensor? kr = alpha == 1 ? null : lse.sub(pos);
            Tensor? hinge = alpha == 0 ? null
                : nn.functional.relu(pos.neg().add(halfMargin, one)).add(nn.functional.relu(lse.add(halfMargin, one)), one);
            Tensor perSample = kr is null ? hinge!
                : hinge is null ? kr
                : kr.mul(ScalarCache.Of(1 - alpha)).add(hinge.mul(ScalarCache.Of(alpha)), one);
            return LossOptions.Reduce(perSample, reduction);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Multiclass HKR loss module with a log-sum-exp maximum (deel-torchlip 1.x; exact maximum at two classes).</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1].</param>
        /// <param name="temperature">Factor applied to the scores.</param>
        /// <param name="penalty">Smoothness of the maximum.</param>
        /// <param name="min_margin">The margin.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.LseHKRMulticlassLoss LseHKRMulticlassLoss(double alpha = 1.0, double temperature = 1.0, double penalty = 1.0,
            double min_margin = 1.0, string reduction = "mean") => new(alpha, temperature, penalty, min_margin, reduction);
    }
}
