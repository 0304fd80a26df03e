using System;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;
using TorchLip.Internal.Cpu;

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Sorts contiguous groups of <paramref name="group_size"/> channels along <paramref name="dim"/> in
        /// ascending order (a 1-Lipschitz, gradient-norm-preserving activation). <c>null</c> (or a size larger
        /// than the channel count) sorts all channels.
        /// </summary>
        /// <param name="input">Tensor (N, C, ...).</param>
        /// <param name="group_size">Group size; must divide the channel count.</param>
        /// <param name="dim">The channel dimension.</param>
        public static Tensor group_sort(Tensor input, int? group_size = null, int dim = 1)
        {
            if (input.dim() == 0) throw new ArgumentException("group_sort: input must have at least one dimension.", nameof(input));
            if (dim < 0) dim += (int)input.dim();
            if (dim < 0 || dim >= input.dim())
                throw new ArgumentOutOfRangeException(nameof(dim), $"group_sort: dim must index a dimension of input with shape {ArgumentChecks.Shape(input)}.");
            long channels = input.size(dim);
            long g = group_size is int gs && gs < channels ? gs : channels;
            if (g <= 0) throw new ArgumentOutOfRangeException(nameof(group_size), group_size, "group_sort: group_size must be positive.");
            if (channels % g != 0)
                throw new ArgumentException(
                    $"group_sort: the {channels} channels of dimension {dim} (input shape {ArgumentChecks.Shape(input)}) are not a multiple of group_size = {g}. " +
                    "Choose a group size that divides the channel count.", nameof(group_size));
            if (g == 2 && dim == 1 && PairSort.Supports(input)) return PairSort.Apply(input);
            if (g == channels) return SortedValues(input, dim);
            var grouped = GroupView(input, dim, g);
            if (g == 2)
            {
                var (a, b) = (grouped.select(dim + 1, 0), grouped.select(dim + 1, 1));
                return torch.stack(new[] { torch.minimum(a, b), torch.maximum(a, b) }, dim + 1).reshape(TensorSizes.Of(input));
            }
            return SortedValues(grouped, dim + 1).reshape(TensorSizes.Of(input));
        }

        private static Tensor SortedValues(Tensor input, int dim) =>
            dim == input.dim() - 1 && RowSort.Supports(input) ? RowSort.Values(input) : input.sort(dim: dim, stable: true).Values;

        private static Tensor GroupView(Tensor input, int dim, long g)
        {
            var sizes = TensorSizes.Of(input);
            var shape = new long[sizes.Length + 1];
            for (int i = 0, j = 0; i < sizes.Length; i++)
            {
                if (i == dim) { shape[j++] = sizes[i] / g; shape[j++] = g; }
                else shape[j++] = sizes[i];
            }
            return input.reshape(shape);
        }

        /// <summary><see cref="group_sort"/> with groups of two: each pair becomes (min, max).</summary>
        /// <param name="input">Tensor (N, C, ...) with an even channel count.</param>
        public static Tensor group_sort_2(Tensor input) => group_sort(input, 2);

        /// <summary><see cref="group_sort"/> over all channels of dimension 1.</summary>
        /// <param name="input">Tensor (N, C, ...).</param>
        public static Tensor full_sort(Tensor input) => group_sort(input, null);

        /// <summary>
        /// MaxMin: concatenates relu(x) and relu(−x) along <paramref name="dim"/> (block layout
        /// [relu(x₀..x_(C−1)), relu(−x₀..−x_(C−1))]), doubling the channel count; 1-Lipschitz.
        /// </summary>
        /// <param name="input">Input tensor.</param>
        /// <param name="dim">Concatenation dimension; null means 0 for a 1-D input, 1 otherwise.</param>
        public static Tensor max_min(Tensor input, int? dim = null)
        {
            int d = dim ?? (input.dim() == 1 ? 0 : 1);
            return torch.cat(new[] { nn.functional.relu(input), nn.functional.relu(-input) }, d);
        }

        /// <summary>
        /// Lipschitz PReLU: x for x ≥ 0, clamp(a, −1, 1)·x otherwise, times <paramref name="k_coef_lip"/>
        /// (so the result is exactly k-Lipschitz; deel-torchlip clamps to ±k instead, which is max(1, k)-Lipschitz).
        /// </summary>
        /// <param name="input">Tensor (N, C, ...).</param>
        /// <param name="weight">Slopes: one shared value or one per channel (dimension 1).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Tensor lipschitz_prelu(Tensor input, Tensor weight, double k_coef_lip = 1.0)
        {
            ArgumentChecks.PositiveFinite(k_coef_lip, nameof(k_coef_lip));
            var y = nn.functional.prelu(input, weight.clamp(ScalarCache.Of(-1.0), ScalarCache.Of(1.0)));
            return k_coef_lip == 1.0 ? y : y.mul(ScalarCache.Of(k_coef_lip));
        }
    }
}
