using System;
using System.Linq;
using TorchLip.Internal;
using TorchLip.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Base of <see cref="PadConv1d"/> and <see cref="PadConv2d"/>: an unconstrained convolution (PyTorch's Conv with the
    /// same arguments and state keys <c>weight</c>, <c>bias</c>) that also takes numpy's "symmetric" padding mode. It is
    /// not a Lipschitz layer (a <see cref="Sequential"/> warns about it, as deel-torchlip does); its map is bounded by
    /// <see cref="lipschitz_bound"/>, computed from its current kernel. With a transposed operator it is the export of a
    /// <see cref="SpectralConvTranspose2d"/>: libtorch 2.10's float32 <c>conv_transpose2d</c> returned wrong values (and
    /// NaN) on this project's CPU for several strides and paddings, so the transposed convolution is computed as the
    /// convolution it equals (<see cref="ConvOperator.Apply"/>), in the layer and in its export alike.
    /// </summary>
    public abstract class PadConv : nn.Module<Tensor, Tensor>
    {
        /// <summary>The kernel, (out_channels, in_channels/groups, *kernel_size).</summary>
        [TorchSharp.Utils.ComponentName(Name = "weight")]
        public readonly Parameter weight;

        /// <summary>The bias (out_channels), or null.</summary>
        [TorchSharp.Utils.ComponentName(Name = "bias")]
        public readonly Parameter? bias;

        /// <summary>Creates the layer with PyTorch's default initialization (uniform in ±1/√fan_in).</summary>
        /// <param name="name">Module name.</param>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        protected PadConv(string name, long in_channels, long out_channels, ConvOperator conv, bool bias) : base(name)
        {
            ArgumentNullException.ThrowIfNull(conv);
            ConvSpec.CheckChannels(in_channels, out_channels, conv.Groups);
            this.in_channels = in_channels;
            this.out_channels = out_channels;
            conv_operator = conv;
            var shape = (conv.Transposed ? new[] { in_channels, out_channels / conv.Groups } : new[] { out_channels, in_channels / conv.Groups })
                .Concat(conv.Axes.Select(a => a.Kernel)).ToArray();
            long fanIn = shape.Skip(1).Aggregate(1L, (p, v) => p * v);
            using (torch.no_grad())
            {
                weight = nn.Parameter(torch.empty(shape).uniform_(-1.0 / Math.Sqrt(fanIn), 1.0 / Math.Sqrt(fanIn)));
                this.bias = bias ? nn.Parameter(torch.empty(out_channels).uniform_(-1.0 / Math.Sqrt(fanIn), 1.0 / Math.Sqrt(fanIn))) : null;
            }
        }

        /// <summary>Input channels.</summary>
        public long in_channels { get; }

        /// <summary>Output channels.</summary>
        public long out_channels { get; }

        /// <summary>The convolution's operator (geometry, padding mode, groups).</summary>
        public ConvOperator conv_operator { get; }

        /// <summary>
        /// A rigorous L2 bound of the layer's map for every input size it accepts: the operator's gain times a certified
        /// float64 bound on the spectral norm of the kernel matrix (rounding included).
        /// </summary>
        public double lipschitz_bound => conv_operator.Gain * Normalizers.SpectralCertificate.UpperBound(weight);

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            int dims = conv_operator.Dims;
            if (input.dim() != dims + 2 || input.size(1) != in_channels)
                throw new ArgumentException($"{GetName()}: expected input (N, {in_channels}, {(dims == 1 ? "L" : "H, W")}), got shape {ArgumentChecks.Shape(input)}.", nameof(input));
            var spatial = Enumerable.Range(0, dims).Select(i => input.size(i + 2)).ToArray();
            conv_operator.CheckSpatial(spatial, GetName());
            return conv_operator.Apply(input, weight, bias);
        }

        /// <summary>A PyTorch-style one-line description.</summary>
        public override string ToString()
        {
            var op = conv_operator;
            var s = $"{GetName()}{(op.Transposed ? "[transposed]" : "")}({in_channels}, {out_channels}, kernel_size={ConvSpec.Tuple(op.Axes.Select(a => a.Kernel))}, stride={ConvSpec.Tuple(op.Axes.Select(a => a.Stride))}";
            if (op.Axes.Any(a => a.PadBefore != 0 || a.PadAfter != 0)) s += $", padding={ConvSpec.PaddingRepr(op)}";
            if (op.Axes.Any(a => a.Dilation != 1)) s += $", dilation={ConvSpec.Tuple(op.Axes.Select(a => a.Dilation))}";
            if (op.Groups != 1) s += $", groups={op.Groups}";
            if (bias is null) s += ", bias=False";
            if (op.Axes[0].Mode != PaddingMode.Zeros) s += $", padding_mode='{PaddingModeNames.Name(op.Axes[0].Mode)}'";
            return s + ")";
        }
    }
}
