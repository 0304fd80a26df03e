using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Base of the parameter-free Lipschitz activations: the output is multiplied by k when k ≠ 1.</summary>
    public abstract class LipschitzActivation : LipschitzModule
    {
        /// <summary>Initializes the activation.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        protected LipschitzActivation(string name, double k_coef_lip) : base(name, k_coef_lip) { }

        /// <summary>The 1-Lipschitz function itself.</summary>
        /// <param name="input">Input tensor.</param>
        protected abstract Tensor Activate(Tensor input);

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            var y = Activate(input);
            double k = scale_factor;
            return k == 1.0 ? y : y.mul(ScalarCache.Of(k));
        }

        /// <summary>
        /// A new activation of the same kind with <see cref="LipschitzModule.scale_factor"/> as its own k: the export
        /// shares nothing with this module, so a later change of k here (or of an enclosing container's) leaves it alone.
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export() => WithK(scale_factor);

        /// <summary>A new instance of this activation with Lipschitz constant <paramref name="k"/>.</summary>
        /// <param name="k">The new instance's k_coef_lip.</param>
        protected abstract LipschitzActivation WithK(double k);
    }
}
