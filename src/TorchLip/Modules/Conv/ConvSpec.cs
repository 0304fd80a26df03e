using System;
using System.Linq;
using TorchLip.Operators;
using TorchSharp;

namespace TorchLip.Modules
{
    /// <summary>The arguments every convolution takes, checked once and turned into its <see cref="ConvOperator"/>.</summary>
    internal static class ConvSpec
    {
        /// <summary>Per-axis values from a scalar or a tuple, checked.</summary>
        public static long[] PerAxis(int dims, long[] values, string name, long min)
        {
            if (values.Length == 1 && dims > 1) values = Enumerable.Repeat(values[0], dims).ToArray();
            if (values.Length != dims) throw new ArgumentException($"{name} needs 1 or {dims} values, got {values.Length}.", name);
            foreach (var v in values)
                if (v < min) throw new ArgumentOutOfRangeException(name, v, $"{name} must be >= {min}, got {v}.");
            return values;
        }

        /// <summary>A convolution's operator from explicit symmetric padding.</summary>
        public static ConvOperator Operator(long[] kernel, long[] stride, long[] padding, long[] dilation, long groups, string padding_mode,
            bool transposed = false, long[]? output_padding = null)
        {
            int dims = kernel.Length;
            var mode = PaddingModeNames.Parse(padding_mode);
            var s = PerAxis(dims, stride, "stride", 1);
            var p = PerAxis(dims, padding, "padding", 0);
            var d = PerAxis(dims, dilation, "dilation", 1);
            var axes = Enumerable.Range(0, dims).Select(i => new ConvAxis(kernel[i], s[i], d[i], p[i], p[i], mode)).ToArray();
            return new ConvOperator(axes, groups, transposed, output_padding is null ? null : PerAxis(dims, output_padding, "output_padding", 0));
        }

        /// <summary>A convolution's operator with PyTorch's "same" or "valid" padding.</summary>
        public static ConvOperator Operator(long[] kernel, long[] stride, Padding padding, long[] dilation, long groups, string padding_mode)
        {
            int dims = kernel.Length;
            var s = PerAxis(dims, stride, "stride", 1);
            var d = PerAxis(dims, dilation, "dilation", 1);
            if (padding == Padding.Valid) return Operator(kernel, s, new long[dims], d, groups, padding_mode);
            if (s.Any(v => v != 1))
                throw new ArgumentException("padding: Padding.Same needs stride 1 (as in PyTorch: with a stride the output cannot have the input's size); pass explicit padding instead.", "padding");
            var mode = PaddingModeNames.Parse(padding_mode);
            // PyTorch's rule: the total d·(k − 1) is split with the smaller half first.
            var axes = Enumerable.Range(0, dims).Select(i =>
            {
                long total = d[i] * (kernel[i] - 1);
                return new ConvAxis(kernel[i], 1, d[i], total / 2, total - total / 2, mode);
            }).ToArray();
            return new ConvOperator(axes, groups);
        }

        /// <summary>Checks channels against groups, with the fix in the message.</summary>
        public static void CheckChannels(long in_channels, long out_channels, long groups)
        {
            Internal.ArgumentChecks.Positive(in_channels, nameof(in_channels));
            Internal.ArgumentChecks.Positive(out_channels, nameof(out_channels));
            Internal.ArgumentChecks.Positive(groups, nameof(groups));
            if (in_channels % groups != 0 || out_channels % groups != 0)
                throw new ArgumentException($"groups = {groups} must divide both in_channels ({in_channels}) and out_channels ({out_channels}); choose a common divisor.", nameof(groups));
        }

        /// <summary>The padding as PyTorch prints it: "(1, 1)", or "same" for an asymmetric split.</summary>
        public static string PaddingRepr(ConvOperator op) =>
            op.Axes.All(a => a.PadBefore == a.PadAfter) ? Tuple(op.Axes.Select(a => a.PadBefore)) : "'same'";

        /// <summary>"(3, 3)" or "(3,)".</summary>
        public static string Tuple(System.Collections.Generic.IEnumerable<long> values)
        {
            var v = values.ToArray();
            return v.Length == 1 ? $"({v[0]},)" : "(" + string.Join(", ", v) + ")";
        }
    }
}
