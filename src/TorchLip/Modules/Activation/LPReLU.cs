using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Modules
{
    /// <summary>
    /// Lipschitz PReLU: x for x ≥ 0, clamp(a, −1, 1)·x otherwise (learnable slopes a), times k; exactly k-Lipschitz.
    /// </summary>
    public sealed class LPReLU : LipschitzModule
    {
        [TorchSharp.Utils.ComponentName(Name = "weight")]
        private readonly Parameter weight;

        /// <summary>Creates the activation.</summary>
        /// <param name="num_parameters">1 (shared slope) or the channel count (one slope per channel of dimension 1).</param>
        /// <param name="init">Initial slope.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public LPReLU(int num_parameters = 1, double init = 0.25, double k_coef_lip = 1.0) : base(nameof(LPReLU), k_coef_lip)
        {
            ArgumentChecks.Positive(num_parameters, nameof(num_parameters));
            using var value = init.ToScalar();
            weight = nn.Parameter(torch.full(num_parameters, value));
            RegisterComponents();
        }

        /// <summary>The learnable slopes (before clamping).</summary>
        public Parameter slopes => weight;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input) => torchlip.lipschitz_prelu(input, weight, scale_factor);

        /// <summary>
        /// A new LPReLU with a copy of the slopes and <see cref="LipschitzModule.scale_factor"/> as its k (deel-torchlip's
        /// export drops k): disposing or training either one leaves the other alone.
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export()
        {
            var copy = new LPReLU((int)weight.size(0), 0.0, scale_factor);
            copy.to(weight.dtype).to(weight.device);
            using (torch.no_grad()) copy.weight.copy_(weight);
            return copy;
        }

        /// <inheritdoc/>
        protected override string extra_repr() => $"num_parameters={weight.shape[0]}" + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Lipschitz PReLU (slopes clamped to [−1, 1], output times k).</summary>
        /// <param name="num_parameters">1 or the channel count.</param>
        /// <param name="init">Initial slope.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.LPReLU LPReLU(int num_parameters = 1, double init = 0.25, double k_coef_lip = 1.0) => new(num_parameters, init, k_coef_lip);
    }
}
