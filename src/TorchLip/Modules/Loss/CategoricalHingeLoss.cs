using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Categorical hinge loss with a margin (deel-torchlip 1.x): per sample relu(m − (f_y − max_c g_c)) with g = f − m at
    /// the true class y and f elsewhere, i.e. relu(m − (f_y − max_{c≠y} f_c)): the true score is asked to lead every
    /// other by m. For a 1-Lipschitz network a lead of m certifies a radius of m / √2 (L2).
    /// </summary>
    public sealed class CategoricalHingeLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="min_margin">The margin m ≥ 0.</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public CategoricalHingeLoss(double min_margin = 1.0, string reduction = "mean") : base(nameof(CategoricalHingeLoss))
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
            this.reduction = LossOptions.Reduction(reduction, nameof(CategoricalHingeLoss));
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
            var positive = MulticlassTargets.Positive(input, target, nameof(CategoricalHingeLoss));
            var margin = ScalarCache.Of(min_margin);
            var one = ScalarCache.Of(1.0);
            var pos = input.masked_select(positive);
            var neg = torch.where(positive, input.add(ScalarCache.Of(-min_margin), one), input).max(1).values;
            return LossOptions.Reduce(nn.functional.relu(pos.sub(neg).neg().add(margin, one)), reduction);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Categorical hinge loss module with a margin (deel-torchlip 1.x).</summary>
        /// <param name="min_margin">The margin.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.CategoricalHingeLoss CategoricalHingeLoss(double min_margin = 1.0, string reduction = "mean") => new(min_margin, reduction);
    }
}
