using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Soft multiclass HKR loss of deel-torchlip 1.x (Serrurier et al., "On the explainable properties of 1-Lipschitz
    /// neural networks: an optimal transport perspective", NeurIPS 2023): each wrong class is weighted by a softmax of
    /// the wrong classes' scores, the true class by 1. Per sample, with s = +1 on the true class and −1 elsewhere and
    /// F those weights, loss = Σ_c F_c · ((1 − alpha) · (−s_c·f_c) + alpha · relu(min_margin / 2 − s_c·f_c)).
    /// </summary>
    /// <remarks>
    /// <para>The softmax temperature follows the scale of the outputs through a moving mean m̄ of |f| (the buffer
    /// <c>current_mean</c>, starting at min_margin): g = alpha_mean·m̄ + (1 − alpha_mean)·mean|f| over the batch;
    /// τ = clamp(temperature · min_margin / clamp(g, min_margin, 20000), 0.005, 250); in train mode m̄ becomes
    /// clamp(g, 0.005, 1000). g and τ carry no gradient; the softmax weights do.</para>
    /// <para>Where this differs from deel-torchlip 1.0.5: m̄ is a registered buffer, so it is in <c>state_dict()</c>,
    /// survives save/load and follows device moves (deel-torchlip keeps it in a plain attribute, lost on save); and it
    /// advances in <b>train mode only</b>: in eval mode (<c>loss.eval()</c>) g is computed from the batch the same way but
    /// not stored, so validation batches do not move it (deel-torchlip updates it on every call). A fresh instance gives
    /// deel-torchlip's value on its first call in either mode.</para>
    /// </remarks>
    public sealed class SoftHKRMulticlassLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private const string MeanBuffer = "current_mean";

        /// <summary>Creates the loss.</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1] (above 1: the deprecated form, replaced by
        /// alpha / (1 + alpha) with a warning).</param>
        /// <param name="min_margin">The margin m &gt; 0 (halved in the hinge, as in <see cref="HingeMulticlassLoss"/>).</param>
        /// <param name="alpha_mean">Decay of the moving mean of |f|, in [0, 1].</param>
        /// <param name="temperature">Factor of the softmax temperature (&gt; 0; larger weights the highest wrong scores more).</param>
        /// <param name="reduction">"mean" (default), "sum" or "none" (per-sample values, shape (N)).</param>
        public SoftHKRMulticlassLoss(double alpha = 0.9, double min_margin = 1.0, double alpha_mean = 0.99, double temperature = 1.0, string reduction = "mean")
            : base(nameof(SoftHKRMulticlassLoss))
        {
            const string who = nameof(SoftHKRMulticlassLoss);
            this.alpha = LossOptions.Alpha(alpha, who);
            ArgumentChecks.PositiveFinite(min_margin, nameof(min_margin));
            if (!(alpha_mean >= 0 && alpha_mean <= 1))
                throw new ArgumentOutOfRangeException(nameof(alpha_mean), alpha_mean, $"{who}: alpha_mean must be in [0, 1], got {alpha_mean}.");
            ArgumentChecks.PositiveFinite(temperature, nameof(temperature));
            this.min_margin = min_margin;
            this.alpha_mean = alpha_mean;
            this.temperature = temperature;
            this.reduction = LossOptions.Reduction(reduction, who);
            register_buffer(MeanBuffer, torch.full(new long[] { 1 }, ScalarCache.Of(min_margin), dtype: ScalarType.Float32));
        }

        /// <summary>Weight of the hinge term in [0, 1].</summary>
        public double alpha { get; }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <summary>Decay of the moving mean of |f|.</summary>
        public double alpha_mean { get; }

        /// <summary>Factor of the softmax temperature.</summary>
        public double temperature { get; }

        /// <summary>"none", "mean" or "sum".</summary>
        public string reduction { get; }

        /// <summary>The moving mean of |f| (buffer <c>current_mean</c>, float32, shape (1)).</summary>
        public Tensor current_mean => get_buffer(MeanBuffer)
            ?? throw new InvalidOperationException($"{nameof(SoftHKRMulticlassLoss)}: the buffer '{MeanBuffer}' is missing from the loss's state.");

        /// <summary>The loss; in train mode it also advances <see cref="current_mean"/>.</summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices (N) of int64, or one-hot rows (N, C) in {0, 1} or {−1, +1}.</param>
        public override Tensor forward(Tensor input, Tensor target)
        {
            var positive = MulticlassTargets.Positive(input, target, nameof(SoftHKRMulticlassLoss));
            var weights = SoftmaxWeights(input, positive);
            var signed = MulticlassLossMath.Signed(input, positive);
            Tensor? kr = alpha == 1 ? null : signed.neg().mul(weights).sum(1);
            Tensor? hinge = alpha == 0 ? null
                : nn.functional.relu(signed.neg().add(ScalarCache.Of(min_margin / 2), ScalarCache.Of(1.0))).mul(weights).sum(1);
            Tensor perSample = kr is null ? hinge!
                : hinge is null ? kr
                : kr.mul(ScalarCache.Of(1 - alpha)).add(hinge.mul(ScalarCache.Of(alpha)), ScalarCache.Of(1.0));
            return LossOptions.Reduce(perSample, reduction);
        }

        private Tensor SoftmaxWeights(Tensor input, Tensor positive)
        {
            Tensor tau;
            using (torch.no_grad())
            {
                var mean = current_mean;
                var g = mean.to(input.device).mul(ScalarCache.Of(alpha_mean)).add(
                    input.detach().abs().mean().to_type(ScalarType.Float32), ScalarCache.Of(1 - alpha_mean));
                if (training) mean.copy_(g.clamp(ScalarCache.Of(0.005), ScalarCache.Of(1000.0)));
                tau = g.clamp(ScalarCache.Of(min_margin), ScalarCache.Of(20000.0)).reciprocal()
                    .mul(ScalarCache.Of(temperature * min_margin))
                    .clamp(ScalarCache.Of(0.005), ScalarCache.Of(250.0)).to_type(input.dtype);
            }
            // The true class is masked with float32's lowest value, as in deel-torchlip, then weighted 1.
            var masked = input.mul(tau).masked_fill(positive, ScalarCache.Of(Lowest(input.dtype)));
            return torch.where(positive, torch.ones_like(input), masked.softmax(1));
        }

        private static double Lowest(ScalarType dtype) =>
            dtype is ScalarType.Float32 or ScalarType.Float64 ? float.MinValue : double.NegativeInfinity;
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Soft multiclass HKR loss module (deel-torchlip 1.x); its moving mean is a buffer advanced in train mode only.</summary>
        /// <param name="alpha">Weight of the hinge term in [0, 1].</param>
        /// <param name="min_margin">The margin.</param>
        /// <param name="alpha_mean">Decay of the moving mean of |f|.</param>
        /// <param name="temperature">Factor of the softmax temperature.</param>
        /// <param name="reduction">"mean", "sum" or "none".</param>
        public static Modules.SoftHKRMulticlassLoss SoftHKRMulticlassLoss(double alpha = 0.9, double min_margin = 1.0, double alpha_mean = 0.99,
            double temperature = 1.0, string reduction = "mean") => new(alpha, min_margin, alpha_mean, temperature, reduction);
    }
}
