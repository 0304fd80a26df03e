using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Multiclass hinge loss of deel-torchlip 1.x (one-vs-all): per sample, the mean over the classes of
    /// w · relu(min_margin / 2 − s·input), s = +1 on the true class and −1 elsewhere, w = C − 1 on the true class and 1
    /// elsewhere. The margin is halved, as in deel-torchlip 1.x: <see cref="torchlip.hinge_multiclass_loss"/>(m) of the
    /// tutorial's API is this loss with 2m and the "mean" reduction. Not PyTorch's MultiMarginLoss (see
    /// <see cref="MultiMarginLoss"/>).
    /// </summary>
    public sealed class HingeMulticlassLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="min_margin">The margin m ≥ 0 (each score is asked to be m/2 on the right side of 0).</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public HingeMulticlassLoss(double min_margin = 1.0, string reduction = "mean") : base(nameof(HingeMulticlassLoss))
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
            this.reduction = LossOptions.Reduction(reduction, nameof(HingeMulticlassLoss));
        }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}.</param>
        public override Tensor forward(Tensor input, Tensor target) =>
            LossOptions.Reduce(MulticlassLossMath.Hinge(input, MulticlassTargets.Positive(input, target, nameof(HingeMulticlassLoss)), min_margin / 2), reduction);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Multiclass hinge loss module (deel-torchlip 1.x, halved margin).</summary>
        /// <param name="min_margin">The margin.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.HingeMulticlassLoss HingeMulticlassLoss(double min_margin = 1.0, string reduction = "mean") => new(min_margin, reduction);
    }
}
