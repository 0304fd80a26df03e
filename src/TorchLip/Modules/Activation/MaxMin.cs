using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>MaxMin: [relu(x), relu(−x)] concatenated along a dimension (doubles the channel count).</summary>
    public sealed class MaxMin : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="dim">Concatenation dimension (null: 0 for 1-D inputs, else 1).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public MaxMin(int? dim = null, double k_coef_lip = 1.0) : base(nameof(MaxMin), k_coef_lip)
        {
            this.dim = dim;
            RegisterComponents();
        }

        /// <summary>Concatenation dimension.</summary>
        public int? dim { get; }

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.max_min(input, dim);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new MaxMin(dim, k);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>MaxMin activation.</summary>
        /// <param name="dim">Concatenation dimension (null: 0 for 1-D inputs, else 1).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.MaxMin MaxMin(int? dim = null, double k_coef_lip = 1.0) => new(dim, k_coef_lip);
    }
}
