using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Cross-entropy with a temperature (deel-torchlip 1.x): CrossEntropy(tau · input, target) / tau. A 1-Lipschitz
    /// network cannot scale its scores up to sharpen the softmax; tau does it, and dividing by tau keeps the loss
    /// 1-Lipschitz in the scores.
    /// </summary>
    /// <remarks>
    /// Targets: class indices (N) of an integer type (with <see cref="ignore_index"/>), class probabilities (N, C)
    /// (a one-hot {0, 1} row is one), or one-hot rows in {−1, +1} (read as {0, 1}; deel-torchlip would take −1 as a
    /// probability). Probability targets are cast to the input's dtype: deel-torchlip casts them to float64 and returns a
    /// float64 loss.
    /// </remarks>
    public sealed class TauCrossEntropyLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Tensor? _weight;

        /// <summary>Creates the loss.</summary>
        /// <param name="tau">The temperature (&gt; 0).</param>
        /// <param name="weight">Optional weight of each class, shape (C) (as in PyTorch's CrossEntropyLoss); the loss keeps a
        /// reference to it (keep it alive, outside any dispose scope that ends before the loss is used).</param>
        /// <param name="ignore_index">A class index whose samples are left out (class-index targets only).</param>
        /// <param name="reduction">"mean" (default; weighted mean with <paramref name="weight"/>), "sum" or "none" (shape (N)).</param>
        /// <param name="label_smoothing">Label smoothing in [0, 1].</param>
        public TauCrossEntropyLoss(double tau, Tensor? weight = null, long ignore_index = -100, string reduction = "mean", double label_smoothing = 0.0)
            : base(nameof(TauCrossEntropyLoss))
        {
            ArgumentChecks.PositiveFinite(tau, nameof(tau));
            if (!(label_smoothing >= 0 && label_smoothing <= 1))
                throw new ArgumentOutOfRangeException(nameof(label_smoothing), label_smoothing, $"{nameof(TauCrossEntropyLoss)}: label_smoothing must be in [0, 1].");
            if (weight is not null && weight.dim() != 1)
                throw new ArgumentException($"{nameof(TauCrossEntropyLoss)}: weight must hold one value per class, shape (C), got {ArgumentChecks.Shape(weight)}.", nameof(weight));
            this.tau = tau;
            _weight = weight;
            this.ignore_index = ignore_index;
            this.label_smoothing = label_smoothing;
            this.reduction = LossOptions.Reduction(reduction, nameof(TauCrossEntropyLoss));
        }

        /// <summary>The temperature.</summary>
        public double tau { get; }

        /// <summary>The class index left out.</summary>
        public long ignore_index { get; }

        /// <summary>Label smoothing.</summary>
        public double label_smoothing { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N), class probabilities (N, C), or one-hot rows (N, C) in {−1, +1}.</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            const string who = nameof(TauCrossEntropyLoss);
            MulticlassTargets.CheckInput(input, who);
            long n = input.size(0), c = input.size(1);
            if (_weight is not null && _weight.size(0) != c)
                throw new ArgumentException($"{who}: weight has {_weight.size(0)} values for {c} classes.", "weight");
            Tensor labels;
            if (target.dim() == 1 && target.size(0) == n && !target.is_floating_point() && target.dtype != ScalarType.Bool)
            {
                labels = target.to_type(ScalarType.Int64);
                using var scope = torch.NewDisposeScope();
                var outside = (labels.lt(ScalarCache.Of(0.0)) | labels.ge(ScalarCache.Of(c))) & labels.ne(ScalarCache.Of(ignore_index));
                if (outside.any().item<bool>())
                    throw new ArgumentException(
                        $"{who}: class indices must be in [0, {c - 1}] (or ignore_index = {ignore_index}), found {labels.masked_select(outside)[0].item<long>()}.", "target");
            }
            else if (target.dim() == 2 && target.size(0) == n && target.size(1) == c)
                labels = Probabilities(target, input.dtype, who);
            else
                throw new ArgumentException(
                    $"{who}: target must be class indices of shape (N) = [{n}] (int64) or class probabilities / one-hot rows of shape (N, C) = [{n}, {c}], " +
                    $"got shape {ArgumentChecks.Shape(target)} of dtype {target.dtype}. For float class indices use y.to_type(ScalarType.Int64).", "target");
            var weight = _weight?.to(input.device).to_type(input.dtype);
            return nn.functional.cross_entropy(input.mul(ScalarCache.Of(tau)), labels, weight, ignore_index, LossOptions.Torch(reduction), label_smoothing)
                .div(ScalarCache.Of(tau));
        }

        private static Tensor Probabilities(Tensor target, ScalarType dtype, string who)
        {
            bool signed;
            using (var scope = torch.NewDisposeScope())
            {
                signed = target.lt(ScalarCache.Of(0.0)).any().item<bool>();
                if (signed)
                {
                    MulticlassTargets.CheckSignedValues(target, who, "target");
                    MulticlassTargets.CheckOnePositivePerRow(target, who);
                }
                else
                {
                    var rowSums = target.to_type(ScalarType.Float64).sum(1);
                    var off = rowSums.sub(torch.ones_like(rowSums)).abs().gt(ScalarCache.Of(1e-3));
                    if (off.any().item<bool>())
                    {
                        long row = off.nonzero()[0, 0].item<long>();
                        throw new ArgumentException(
                            $"{who}: a target of shape (N, C) holds class probabilities (rows summing to 1) or one-hot rows; row {row} sums to " +
                            $"{rowSums[row].item<double>()}. Pass class indices (N) instead, or normalize the rows.", "target");
                    }
                }
            }
            return signed ? target.gt(ScalarCache.Of(0.0)).to_type(dtype) : target.to_type(dtype);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Cross-entropy module with a temperature (deel-torchlip 1.x): CrossEntropy(tau · input, target) / tau.</summary>
        /// <param name="tau">The temperature.</param>
        /// <param name="weight">Optional weight of each class, shape (C).</param>
        /// <param name="ignore_index">A class index left out.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        /// <param name="label_smoothing">Label smoothing in [0, 1].</param>
        public static Modules.TauCrossEntropyLoss TauCrossEntropyLoss(double tau, Tensor? weight = null, long ignore_index = -100, string reduction = "mean",
            double label_smoothing = 0.0) => new(tau, weight, ignore_index, reduction, label_smoothing);
    }
}
