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
            return k == 1.0 ? y : y * k;
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

    /// <summary>Sorts groups of <see cref="group_size"/> contiguous channels of dimension 1 (ascending).</summary>
    public sealed class GroupSort : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="group_size">Group size (null: all channels).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public GroupSort(int? group_size = null, double k_coef_lip = 1.0) : this(nameof(GroupSort), group_size, k_coef_lip) { }

        internal GroupSort(string name, int? group_size, double k_coef_lip) : base(name, k_coef_lip)
        {
            if (group_size is int g) Checks.Positive(g, nameof(group_size));
            this.group_size = group_size;
            RegisterComponents();
        }

        /// <summary>Group size, or null for a full sort.</summary>
        public int? group_size { get; }

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.functional.group_sort(input, group_size);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new GroupSort(GetName(), group_size, k);

        /// <inheritdoc/>
        protected override string extra_repr() =>
            GetName() == nameof(GroupSort) ? $"group_size={group_size?.ToString() ?? "None"}" + KRepr() : KRepr(first: true);
    }

    /// <summary>Sorts all channels of dimension 1 (GroupSort with one group).</summary>
    public sealed class FullSort : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public FullSort(double k_coef_lip = 1.0) : base(nameof(FullSort), k_coef_lip) => RegisterComponents();

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.functional.full_sort(input);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new FullSort(k);
    }

    /// <summary>GroupSort with groups of two: each channel pair becomes (min, max).</summary>
    public sealed class GroupSort2 : LipschitzActivation
    {
        /// <summary>Creates the activation.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public GroupSort2(double k_coef_lip = 1.0) : base(nameof(GroupSort2), k_coef_lip) => RegisterComponents();

        /// <inheritdoc/>
        protected override Tensor Activate(Tensor input) => torchlip.functional.group_sort_2(input);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new GroupSort2(k);
    }

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
        protected override Tensor Activate(Tensor input) => torchlip.functional.max_min(input, dim);

        /// <inheritdoc/>
        protected override LipschitzActivation WithK(double k) => new MaxMin(dim, k);
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

        /// <summary>GroupSort with groups of two.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.GroupSort2 GroupSort2(double k_coef_lip = 1.0) => new(k_coef_lip);

        /// <summary>Sorts all channels of dimension 1.</summary>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.FullSort FullSort(double k_coef_lip = 1.0) => new(k_coef_lip);

        /// <summary>MaxMin activation.</summary>
        /// <param name="dim">Concatenation dimension (null: 0 for 1-D inputs, else 1).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.MaxMin MaxMin(int? dim = null, double k_coef_lip = 1.0) => new(dim, k_coef_lip);
    }
}
