using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Module form of <see cref="torchlip.kr_loss"/>.</summary>
    public sealed class KRLoss : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly (double, double) _trueValues;

        /// <summary>Creates the loss.</summary>
        /// <param name="true_values">(a, b): mean over label a minus mean over label b. Default (1, −1).</param>
        public KRLoss((double first, double second)? true_values = null) : base(nameof(KRLoss)) => _trueValues = true_values ?? (1.0, -1.0);

        /// <inheritdoc/>
        public override Tensor forward(Tensor input, Tensor target) => torchlip.kr_loss(input, target, _trueValues);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Kantorovich–Rubinstein loss module.</summary>
        /// <param name="true_values">(a, b), default (1, −1).</param>
        public static Modules.KRLoss KRLoss((double first, double second)? true_values = null) => new(true_values);
    }
}
