using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Module form of <see cref="torchlip.hinge_margin_loss"/>.</summary>
    public sealed class HingeMarginLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        /// <summary>Creates the loss.</summary>
        /// <param name="min_margin">The margin (≥ 0).</param>
        public HingeMarginLoss(double min_margin = 1.0) : base(nameof(HingeMarginLoss))
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            this.min_margin = min_margin;
        }

        /// <summary>The margin.</summary>
        public double min_margin { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.hinge_margin_loss(input, target, min_margin);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Hinge margin loss module.</summary>
        /// <param name="min_margin">The margin.</param>
        public static Modules.HingeMarginLoss HingeMarginLoss(double min_margin = 1.0) => new(min_margin);
    }
}
