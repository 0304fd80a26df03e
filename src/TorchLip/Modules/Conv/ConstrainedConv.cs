using System;
using System.Linq;
using TorchLip.Constraints;
using TorchLip.Internal;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A convolution (1-D or 2-D, or transposed) with a constrained kernel: the <see cref="ConstrainedModule"/> whose map is
    /// a <see cref="ConvOperator"/>. The constraint acts on the kernel reshaped to (shape[0], −1) and is certified against
    /// k / <see cref="ConstrainedModule.operator_gain"/>, the operator's own factor for its padding mode, stride, dilation
    /// and groups, so the layer's <em>map</em> is k-Lipschitz for every input size it accepts.
    /// </summary>
    public abstract class ConstrainedConv : ConstrainedModule
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size per spatial axis.</param>
        /// <param name="conv">The operator (geometry, padding, groups).</param>
        /// <param name="bias">Whether to learn a bias (one per output channel).</param>
        /// <param name="constraint">How the raw kernel becomes the applied kernel.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        protected ConstrainedConv(string name, long in_channels, long out_channels, long[] kernel_size, ConvOperator conv, bool bias,
            WeightConstraint constraint, double k_coef_lip)
            : base(name, WeightShape(in_channels, out_channels, kernel_size, conv), bias, constraint, k_coef_lip, out_channels, Gain(conv))
        {
            this.in_channels = in_channels;
            this.out_channels = out_channels;
            this.kernel_size = kernel_size;
            conv_operator = conv;
        }

        /// <summary>Input channels.</summary>
        public long in_channels { get; }

        /// <summary>Output channels.</summary>
        public long out_channels { get; }

        /// <summary>Kernel size per spatial axis.</summary>
        public long[] kernel_size { get; }

        /// <summary>The convolution's operator: geometry, padding, and the gain the certificate divides by.</summary>
        public ConvOperator conv_operator { get; }

        /// <summary>Stride per spatial axis.</summary>
        public long[] stride => conv_operator.Axes.Select(a => a.Stride).ToArray();

        /// <summary>Dilation per spatial axis.</summary>
        public long[] dilation => conv_operator.Axes.Select(a => a.Dilation).ToArray();

        /// <summary>Groups.</summary>
        public long groups => conv_operator.Groups;

        /// <summary>The padding mode.</summary>
        public PaddingMode padding_mode => conv_operator.Axes[0].Mode;

        /// <summary>
        /// The bound this layer certifies for inputs of one spatial size: the operator's read count for that size times the
        /// certified spectral norm of the applied kernel matrix. Never more than <see cref="LipschitzModule.lipschitz_constant"/>
        /// (up to its 1e-5 rounding allowance), which holds for every size.
        /// </summary>
        /// <param name="spatial">Input spatial size.</param>
        public double lipschitz_bound_for(long[] spatial) =>
            lipschitz_constant / operator_gain * conv_operator.GainFor(spatial);

        /// <inheritdoc/>
        protected override void CheckInput(Tensor input)
        {
            int dims = conv_operator.Dims;
            if (input.dim() != dims + 2 || input.size(1) != in_channels)
                throw new ArgumentException(
                    $"{GetName()}: expected input (N, {in_channels}, {(dims == 1 ? "L" : "H, W")}), got shape {ArgumentChecks.Shape(input)}. " +
                    (input.dim() == dims + 1 ? "Add the batch dimension with unsqueeze(0)." : $"Build the layer with in_channels = {(input.dim() > 1 ? input.size(1) : 0)}, or reshape the input."),
                    nameof(input));
            if (!input.is_floating_point())
                throw new ArgumentException($"{GetName()}: the input must be a floating-point tensor, got dtype {input.dtype}. Convert it with .to_type(ScalarType.Float32).", nameof(input));
            var spatial = new long[dims];
            for (int i = 0; i < dims; i++) spatial[i] = input.size(i + 2);
            conv_operator.CheckSpatial(spatial, GetName());
        }

        /// <inheritdoc/>
        protected override Tensor ApplyTraining(Tensor input, ConstrainedWeight weight) => conv_operator.Apply(input, weight.Weight(), bias);

        /// <inheritdoc/>
        protected override Tensor ApplyWeight(Tensor input, Tensor weight) => conv_operator.Apply(input, weight, bias);

        /// <inheritdoc/>
        protected override nn.Module<Tensor, Tensor> ExportModule(Tensor weight, Tensor? bias) =>
            PlainConv.Create(conv_operator, in_channels, out_channels, weight, bias);

        /// <inheritdoc/>
        protected override string extra_repr()
        {
            var s = $"{in_channels}, {out_channels}, kernel_size={ConvSpec.Tuple(kernel_size)}, stride={ConvSpec.Tuple(stride)}";
            if (conv_operator.Axes.Any(a => a.PadBefore != 0 || a.PadAfter != 0)) s += $", padding={ConvSpec.PaddingRepr(conv_operator)}";
            if (dilation.Any(d => d != 1)) s += $", dilation={ConvSpec.Tuple(dilation)}";
            if (groups != 1) s += $", groups={groups}";
            if (bias is null) s += ", bias=False";
            if (padding_mode != PaddingMode.Zeros) s += $", padding_mode='{PaddingModeNames.Name(padding_mode)}'";
            return s + KRepr();
        }

        private static long[] WeightShape(long in_channels, long out_channels, long[] kernel, ConvOperator conv)
        {
            ConvSpec.CheckChannels(in_channels, out_channels, conv.Groups);
            if (kernel.Length != conv.Dims) throw new ArgumentException($"kernel_size needs {conv.Dims} values.", nameof(kernel));
            // A transposed convolution's kernel is (in, out/groups, *k): the adjoint convolution's (out, in/groups, *k).
            return conv.Transposed
                ? new[] { in_channels, out_channels / conv.Groups }.Concat(kernel).ToArray()
                : new[] { out_channels, in_channels / conv.Groups }.Concat(kernel).ToArray();
        }

        private static double Gain(ConvOperator conv) => conv.Gain;
    }
}
