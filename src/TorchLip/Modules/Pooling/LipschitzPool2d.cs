using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Base of the parameter-free pooling layers: (N, C, H, W) input only, a 1-Lipschitz pooling map scaled by
    /// <see cref="LipschitzModule.scale_factor"/>, so <see cref="LipschitzModule.lipschitz_constant"/> (= scale_factor)
    /// is the true L2 bound. The export is a plain TorchSharp module when one computes exactly the same function, else
    /// a new layer of the same kind with the effective k baked in.
    /// </summary>
    public abstract class LipschitzPool2d : LipschitzModule
    {
        /// <summary>Initializes the layer.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        protected LipschitzPool2d(string name, double k_coef_lip) : base(name, k_coef_lip) { }

        /// <summary>The pooling map times <paramref name="scale"/> (a layer folds the scale into its own factor).</summary>
        /// <param name="input">A checked (N, C, H, W) floating-point tensor.</param>
        /// <param name="scale">The layer's <see cref="LipschitzModule.scale_factor"/>.</param>
        protected abstract Tensor Pool(Tensor input, double scale);

        /// <summary>Checks the spatial size of a 4-D input against the layer's windows.</summary>
        /// <param name="input">A 4-D floating-point tensor.</param>
        protected virtual void CheckSpatialSize(Tensor input) { }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            SpatialInput.RequireNchw(input, GetName());
            ArgumentChecks.FloatingPoint(input, nameof(input), GetName());
            CheckSpatialSize(input);
            return Pool(input, scale_factor);
        }

        /// <summary>
        /// A plain TorchSharp module when one computes the same function (only possible at scale 1, see
        /// <see cref="PlainEquivalent"/>), else a new layer of the same kind whose k is this layer's
        /// <see cref="LipschitzModule.scale_factor"/>: it shares nothing with this one.
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export() =>
            (scale_factor == 1.0 ? PlainEquivalent() : null) ?? WithK(scale_factor);

        /// <summary>A plain TorchSharp module computing this layer's map at scale 1, or null when none does.</summary>
        protected virtual nn.Module<Tensor, Tensor>? PlainEquivalent() => null;

        /// <summary>A new layer with the same configuration and Lipschitz constant <paramref name="k"/>.</summary>
        /// <param name="k">The new layer's k_coef_lip.</param>
        protected abstract LipschitzPool2d WithK(double k);

        /// <summary><c>x</c> times <paramref name="factor"/> (no multiplication when it is 1).</summary>
        /// <param name="x">Tensor.</param>
        /// <param name="factor">Constant factor.</param>
        protected static Tensor Scaled(Tensor x, double factor) => factor == 1.0 ? x : x.mul(ScalarCache.Of(factor));

        /// <summary>
        /// √s elementwise for sums of squares s ≥ 0, with gradient 0 (not NaN) where s = 0: the square root's derivative
        /// is infinite at 0, and 0·∞ would make every input of an all-zero window NaN.
        /// </summary>
        /// <param name="sumOfSquares">Non-negative tensor.</param>
        protected static Tensor SafeSqrt(Tensor sumOfSquares)
        {
            var positive = sumOfSquares.gt(ScalarCache.Of(0.0));
            // Where s = 0 the root is taken of 1 instead (finite derivative), and that branch is then discarded.
            var safe = torch.where(positive, sumOfSquares, torch.ones_like(sumOfSquares));
            return torch.where(positive, safe.sqrt(), torch.zeros_like(sumOfSquares));
        }

        /// <summary>", ceil_mode=True" when set, as PyTorch prints it.</summary>
        /// <param name="ceil_mode">The flag.</param>
        protected static string CeilRepr(bool ceil_mode) => ceil_mode ? ", ceil_mode=True" : "";
    }
}
