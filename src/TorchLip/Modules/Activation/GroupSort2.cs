using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>GroupSort with groups of two: each channel pair becomes (min, max).</summary>
    public sealed class GroupSort2 : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public GroupSort2(double k_coef_lip = 1.0) : base(nameof(GroupSort2), k_coef_lip) => RegisterComponents();

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.group_sort_2(input);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new GroupSort2(k);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>GroupSort with groups of two.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.GroupSort2 GroupSort2(double k_coef_lip = 1.0) => new(k_coef_lip);
    }
}
