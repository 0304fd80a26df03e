using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Multiclass margin loss of deel-lip's <c>MultiMargin</c>, which is PyTorch's <c>MultiMarginLoss</c> (p = 1, no
    /// class weights): per sample Σ_{c≠y} relu(m − f_y + f_c) / C. Unlike <see cref="CategoricalHingeLoss"/> every wrong
    /// class that comes within m of the true one contributes, not only the largest. deel-torchlip has no such class.
    /// </summary>
    /// <remarks>
    /// Its factory is <see cref="torchlip.MultiMargin"/> (deel-lip's name): a <c>torchlip.MultiMarginLoss</c> method would
    /// collide with TorchSharp's <c>nn.MultiMarginLoss</c> for code with both <c>using static</c>. This class also takes
    /// one-hot targets in {0, 1} or {−1, +1}, and its value equals <c>nn.functional.multi_margin_loss(input, y, margin: m)</c>.
    /// </remarks>
    public sealed class MultiMarginLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="min_margin">The margin m ≥ 0.</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public MultiMarginLoss(double min_margin = 1.0, string reduction = "mean") : base(nameof(MultiMarginLoss))
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
            this.reduction = LossOptions.Reduction(reduction, nameof(MultiMarginLoss));
        }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}.</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            var positive = MulticlassTargets.Positive(input, target, nameof(MultiMarginLoss));
            var one = ScalarCache.Of(1.0);
            var trueScore = input.masked_select(positive).unsqueeze(1);
            var margins = nn.functional.relu(input.sub(trueScore).add(ScalarCache.Of(min_margin), one));
            var perSample = margins.masked_fill(positive, ScalarCache.Of(0.0)).mean(new long[] { 1 });
            return LossOptions.Reduce(perSample, reduction);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Multiclass margin loss module (deel-lip's <c>MultiMargin</c> = PyTorch's <c>MultiMarginLoss</c> with p = 1):
        /// returns a <see cref="Modules.MultiMarginLoss"/>. Named after deel-lip so as not to collide with TorchSharp's
        /// <c>nn.MultiMarginLoss</c>.
        /// </summary>
        /// <param name="min_margin">The margin.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.MultiMarginLoss MultiMargin(double min_margin = 1.0, string reduction = "mean") => new(min_margin, reduction);
    }
}
