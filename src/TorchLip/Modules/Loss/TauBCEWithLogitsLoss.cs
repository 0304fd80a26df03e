using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Binary cross-entropy on logits with a temperature (deel-torchlip 1.x): BCEWithLogits(tau · input, 1[target &gt; 0]) / tau,
    /// for a binary output (N, 1) or independent outputs (N, C) (multi-label).
    /// </summary>
    /// <remarks>
    /// Targets have the input's shape (a binary target may also be (N)) with values in {0, 1} or {−1, +1}; for C ≥ 2 outputs,
    /// class indices (N) of an integer type are one-hot encoded. The "none" reduction keeps the input's shape, as PyTorch's
    /// BCEWithLogitsLoss does.
    /// </remarks>
    public sealed class TauBCEWithLogitsLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Tensor? _weight, _posWeight;

        /// <summary>Creates the loss.</summary>
        /// <param name="tau">The temperature (&gt; 0).</param>
        /// <param name="weight">Optional weight broadcast to the input's shape (kept by reference).</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (the input's shape).</param>
        /// <param name="pos_weight">Optional weight of the positive entries, one per output (kept by reference).</param>
        public TauBCEWithLogitsLoss(double tau, Tensor? weight = null, string reduction = "mean", Tensor? pos_weight = null) : base(nameof(TauBCEWithLogitsLoss))
        {
            ArgumentChecks.PositiveFinite(tau, nameof(tau));
            this.tau = tau;
            _weight = weight;
            _posWeight = pos_weight;
            this.reduction = LossOptions.Reduction(reduction, nameof(TauBCEWithLogitsLoss));
        }

        /// <summary>The temperature.</summary>
        public double tau { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The loss.</summary>
        /// <param name="input">Logits, shape (N, 1) or (N, C).</param>
        /// <param name="target">Labels of the input's shape in {0, 1} or {−1, +1} ((N) for a single output), or class indices (N) for C ≥ 2.</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            const string who = nameof(TauBCEWithLogitsLoss);
            ArgumentChecks.FloatingPoint(input, nameof(input), who);
            if (input.dim() != 2 || input.size(0) == 0)
                throw new ArgumentException($"{who}: input must be logits of shape (N, 1) or (N, C), got {ArgumentChecks.Shape(input)}.", nameof(input));
            long n = input.size(0), c = input.size(1);
            Tensor positive;
            if (c >= 2 && target.dim() == 1 && target.size(0) == n && !target.is_floating_point() && target.dtype != ScalarType.Bool)
                positive = MulticlassTargets.FromIndices(target, c, who);
            else if ((target.dim() == 2 && target.size(0) == n && target.size(1) == c) || (c == 1 && target.dim() == 1 && target.size(0) == n))
            {
                MulticlassTargets.CheckSignedValues(target, who, "target");
                positive = target.reshape(n, c).gt(ScalarCache.Of(0.0));
            }
            else
                throw new ArgumentException(
                    $"{who}: target must have the input's shape [{n}, {c}] with values in {{0, 1}} or {{-1, +1}}" +
                    (c >= 2 ? $", or be class indices of shape (N) = [{n}] (int64)" : $", or shape (N) = [{n}]") +
                    $"; got shape {ArgumentChecks.Shape(target)} of dtype {target.dtype}.", "target");
            var weight = _weight?.to(input.device).to_type(input.dtype);
            var posWeight = _posWeight?.to(input.device).to_type(input.dtype);
            return nn.functional.binary_cross_entropy_with_logits(input.mul(ScalarCache.Of(tau)), positive.to_type(input.dtype), weight, LossOptions.Torch(reduction), posWeight)
                .div(ScalarCache.Of(tau));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Binary cross-entropy on logits with a temperature (deel-torchlip 1.x): BCEWithLogits(tau · input, 1[target &gt; 0]) / tau.</summary>
        /// <param name="tau">The temperature.</param>
        /// <param name="weight">Optional weight broadcast to the input's shape.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        /// <param name="pos_weight">Optional weight of the positive entries.</param>
        public static Modules.TauBCEWithLogitsLoss TauBCEWithLogitsLoss(double tau, Tensor? weight = null, string reduction = "mean", Tensor? pos_weight = null) =>
            new(tau, weight, reduction, pos_weight);
    }
}
