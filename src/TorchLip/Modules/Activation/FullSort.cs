using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Sorts all channels of dimension 1 (GroupSort with one group).</summary>
    public sealed class FullSort : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public FullSort(double k_coef_lip = 1.0) : base(nameof(FullSort), k_coef_lip) => RegisterComponents();

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.full_sort(input);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new FullSort(k);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Sorts all channels of dimension 1.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.FullSort FullSort(double k_coef_lip = 1.0) => new(k_coef_lip);
    }
}
