using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Multiclass Kantorovich–Rubinstein loss of deel-torchlip 1.x: per sample, the mean over the classes of
    /// input·N/n_c on the true class and −input·N/(N − n_c) elsewhere (n_c: samples of class c in the batch), so the
    /// "mean" reduction is the mean over classes of E[f_c | class c] − E[f_c | other], the value
    /// <see cref="torchlip.kr_multiclass_loss"/> returns. Training maximizes it (minimize its negation, or use
    /// <see cref="HKRMulticlassLoss"/>). A class absent from the batch gives a finite value (its positive side counts as 0).
    /// </summary>
    public sealed class KRMulticlassLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="multi_gpu">The target is the output of <see cref="torchlip.process_labels_for_multi_gpu"/> for the
        /// whole batch (KR weights), so losses of shards add up with <c>reduction: "sum"</c>.</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public KRMulticlassLoss(bool multi_gpu = false, string reduction = "mean") : base(nameof(KRMulticlassLoss))
        {
            this.reduction = LossOptions.Reduction(reduction, nameof(KRMulticlassLoss));
            this.multi_gpu = multi_gpu;
        }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>Whether the target holds KR weights from <see cref="torchlip.process_labels_for_multi_gpu"/>.</summary>
        public bool multi_gpu { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}; with
        /// <see cref="multi_gpu"/>, the processed labels (N, C).</param>
        public override Tensor forward(Tensor input, Tensor target) => LossOptions.Reduce(PerSample(input, target, multi_gpu, nameof(KRMulticlassLoss)), reduction);

        internal static Tensor PerSample(Tensor input, Tensor target, bool multiGpu, string who) => multiGpu
            ? MulticlassLossMath.KRPreprocessed(input, Weights(input, target, who))
            : MulticlassLossMath.KR(input, MulticlassTargets.Positive(input, target, who));

        internal static Tensor Weights(Tensor input, Tensor target, string who)
        {
            MulticlassTargets.Preprocessed(input, target, who);
            return target.to_type(input.dtype);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Multiclass Kantorovich–Rubinstein loss module (deel-torchlip 1.x).</summary>
        /// <param name="multi_gpu">The target holds KR weights from <see cref="process_labels_for_multi_gpu"/>.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.KRMulticlassLoss KRMulticlassLoss(bool multi_gpu = false, string reduction = "mean") => new(multi_gpu, reduction);
    }
}
