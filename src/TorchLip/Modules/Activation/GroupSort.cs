using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>Sorts groups of <see cref="group_size"/> contiguous channels of dimension 1 (ascending).</summary>
    public sealed class GroupSort : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="group_size">Group size (null: all channels).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public GroupSort(int? group_size = null, double k_coef_lip = 1.0) : this(nameof(GroupSort), group_size, k_coef_lip) { }

        internal GroupSort(string name, int? group_size, double k_coef_lip) : base(name, k_coef_lip)
        {
            if (group_size is int g) ArgumentChecks.Positive(g, nameof(group_size));
            this.group_size = group_size;
            RegisterComponents();
        }

        /// <summary>Group size, or null for a full sort.</summary>
        public int? group_size { get; }

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.group_sort(input, group_size);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new GroupSort(GetName(), group_size, k);

        /// <inheritdoc/>
        protected override string extra_repr() =>
            GetName() == nameof(GroupSort) ? $"group_size={group_size?.ToString() ?? "None"}" + KRepr() : KRepr(first: true);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>GroupSort activation: sorts groups of <paramref name="group_size"/> channels (dimension 1).</summary>
        /// <param name="group_size">Group size (null: all channels).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.GroupSort GroupSort(int? group_size = null, double k_coef_lip = 1.0) => new(group_size, k_coef_lip);
    }
}
