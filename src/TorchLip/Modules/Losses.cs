using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Module form of <see cref="torchlip.functional.kr_loss"/>.</summary>
    public sealed class KRLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly (double, double) _trueValues;

        /// <summary>Creates the loss.</summary>
        /// <param name="true_values">(a, b): mean over label a minus mean over label b. Default (1, −1).</param>
        public KRLoss((double first, double second)? true_values = null) : base(nameof(KRLoss)) => _trueValues = true_values ?? (1.0, -1.0);

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.functional.kr_loss(input, target, _trueValues);
    }

    /// <summary>Module form of <see cref="torchlip.functional.neg_kr_loss"/>.</summary>
    public sealed class NegKRLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly (double, double) _trueValues;

        /// <summary>Creates the loss.</summary>
        /// <param name="true_values">(a, b), default (1, −1).</param>
        public NegKRLoss((double first, double second)? true_values = null) : base(nameof(NegKRLoss)) => _trueValues = true_values ?? (1.0, -1.0);

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.functional.neg_kr_loss(input, target, _trueValues);
    }

    /// <summary>Module form of <see cref="torchlip.functional.hinge_margin_loss"/>.</summary>
    public sealed class HingeMarginLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="min_margin">The margin (≥ 0).</param>
        public HingeMarginLoss(double min_margin = 1.0) : base(nameof(HingeMarginLoss))
        {
            Checks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
        }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.functional.hinge_margin_loss(input, target, min_margin);
    }

    /// <summary>Module form of <see cref="torchlip.functional.hkr_loss"/>.</summary>
    public sealed class HKRLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="alpha">Weight of the hinge term (≥ 0, or +∞ for hinge only).</param>
        /// <param name="min_margin">Hinge margin.</param>
        public HKRLoss(double alpha, double min_margin = 1.0) : base(nameof(HKRLoss))
        {
            if (double.IsNaN(alpha) || alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "HKRLoss: alpha must be >= 0 (or +infinity).");
            Checks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.alpha = alpha;
            this.min_margin = min_margin;
        }

        /// <summary>Weight of the hinge term.</summary>
        public double alpha { get; }

        /// <summary>Hinge margin.</summary>
        public double min_margin { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.functional.hkr_loss(input, target, alpha, min_margin);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Kantorovich–Rubinstein loss module.</summary>
        /// <param name="true_values">(a, b), default (1, −1).</param>
        public static Modules.KRLoss KRLoss((double first, double second)? true_values = null) => new(true_values);

        /// <summary>Negated Kantorovich–Rubinstein loss module.</summary>
        /// <param name="true_values">(a, b), default (1, −1).</param>
        public static Modules.NegKRLoss NegKRLoss((double first, double second)? true_values = null) => new(true_values);

        /// <summary>Hinge margin loss module.</summary>
        /// <param name="min_margin">The margin.</param>
        public static Modules.HingeMarginLoss HingeMarginLoss(double min_margin = 1.0) => new(min_margin);

        /// <summary>HKR loss module (alpha · hinge − KR).</summary>
        /// <param name="alpha">Weight of the hinge term.</param>
        /// <param name="min_margin">Hinge margin.</param>
        public static Modules.HKRLoss HKRLoss(double alpha, double min_margin = 1.0) => new(alpha, min_margin);
    }
}
