using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Multiclass HKR loss of deel-torchlip 1.x: per sample, alpha · <see cref="HingeMulticlassLoss"/>(min_margin) −
    /// (1 − alpha) · <see cref="KRMulticlassLoss"/>, alpha in [0, 1] (1: hinge only, 0: −KR only).
    /// </summary>
    /// <remarks>
    /// alpha differs from the tutorial's <see cref="torchlip.hkr_multiclass_loss"/> (alpha · hinge − KR, full margin):
    /// <c>HKRMulticlassLoss(a, 2m)</c> = (1 − a) · <c>hkr_multiclass_loss(a / (1 − a), m)</c>. As in deel-torchlip, an
    /// alpha above 1 is read as the old weight and replaced by alpha / (1 + alpha) with a warning (+∞ gives 1).
    /// </remarks>
    public sealed class HKRMulticlassLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1].</param>
        /// <param name="min_margin">Hinge margin (halved, as in <see cref="HingeMulticlassLoss"/>).</param>
        /// <param name="multi_gpu">The target holds KR weights from <see cref="torchlip.process_labels_for_multi_gpu"/>
        /// (the hinge reads their sign).</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public HKRMulticlassLoss(double alpha, double min_margin = 1.0, bool multi_gpu = false, string reduction = "mean") : base(nameof(HKRMulticlassLoss))
        {
            this.alpha = LossOptions.Alpha(alpha, nameof(HKRMulticlassLoss));
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
            this.multi_gpu = multi_gpu;
            this.reduction = LossOptions.Reduction(reduction, nameof(HKRMulticlassLoss));
        }

        /// <summary>Weight of the hinge term in [0, 1] (after the replacement of a deprecated value above 1).</summary>
        public double alpha { get; }

        /// <summary>Hinge margin.</summary>
        public double min_margin { get; }

        /// <summary>Whether the target holds KR weights from <see cref="torchlip.process_labels_for_multi_gpu"/>.</summary>
        public bool multi_gpu { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}; with
        /// <see cref="multi_gpu"/>, the processed labels (N, C).</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            const string who = nameof(HKRMulticlassLoss);
            Tensor positive, kr;
            if (multi_gpu)
            {
                positive = MulticlassTargets.Preprocessed(input, target, who);
                kr = MulticlassLossMath.KRPreprocessed(input, target.to_type(input.dtype));
            }
            else
            {
                positive = MulticlassTargets.Positive(input, target, who);
                kr = MulticlassLossMath.KR(input, positive);
            }
            Tensor perSample;
            if (alpha == 1) perSample = MulticlassLossMath.Hinge(input, positive, min_margin / 2);
            else if (alpha == 0) perSample = kr.neg();
            else
                perSample = MulticlassLossMath.Hinge(input, positive, min_margin / 2).mul(ScalarCache.Of(alpha))
                    .sub(kr.mul(ScalarCache.Of(1 - alpha)));
            return LossOptions.Reduce(perSample, reduction);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Multiclass HKR loss module (deel-torchlip 1.x: alpha · hinge − (1 − alpha) · KR, alpha in [0, 1]).</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1].</param>
        /// <param name="min_margin">Hinge margin.</param>
        /// <param name="multi_gpu">The target holds KR weights from <see cref="process_labels_for_multi_gpu"/>.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.HKRMulticlassLoss HKRMulticlassLoss(double alpha, double min_margin = 1.0, bool multi_gpu = false, string reduction = "mean") =>
            new(alpha, min_margin, multi_gpu, reduction);
    }
}
