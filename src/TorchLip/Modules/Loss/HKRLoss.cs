using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Module form of <see cref="torchlip.hkr_loss"/>.</summary>
    public sealed class HKRLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="alpha">Weight of the hinge term (≥ 0, or +∞ for hinge only).</param>
        /// <param name="min_margin">Hinge margin.</param>
        public HKRLoss(double alpha, double min_margin = 1.0) : base(nameof(HKRLoss))
        {
            if (double.IsNaN(alpha) || alpha < 0) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "HKRLoss: alpha must be >= 0 (or +infinity).");
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.alpha = alpha;
            this.min_margin = min_margin;
        }

        /// <summary>Weight of the hinge term.</summary>
        public double alpha { get; }

        /// <summary>Hinge margin.</summary>
        public double min_margin { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.hkr_loss(input, target, alpha, min_margin);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>HKR loss module (alpha · hinge − KR).</summary>
        /// <param name="alpha">Weight of the hinge term.</param>
        /// <param name="min_margin">Hinge margin.</param>
        public static Modules.HKRLoss HKRLoss(double alpha, double min_margin = 1.0) => new(alpha, min_margin);
    }
}
