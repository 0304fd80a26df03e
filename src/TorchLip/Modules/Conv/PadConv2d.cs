using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>An unconstrained 2-D convolution that also takes the "symmetric" padding mode (deel-torchlip's <c>PadConv2d</c>). See <see cref="PadConv"/>.</summary>
    public sealed class PadConv2d : PadConv
    {
        /// <summary>Creates the layer. See <see cref="torchlip.PadConv2d(long, long, long, long, long, long, long, bool, string)"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        public PadConv2d(long in_channels, long out_channels, ConvOperator conv, bool bias = true) : base(nameof(PadConv2d), in_channels, out_channels, conv, bias)
        {
            if (conv.Dims != 2) throw new System.ArgumentException("PadConv2d needs a 2-D operator.", nameof(conv));
            RegisterComponents();
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>An unconstrained 2-D convolution with PyTorch's arguments and the extra "symmetric" padding mode. Input (N, C_in, H, W).</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding on each side.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups (divides both channel counts).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        public static Modules.PadConv2d PadConv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
            long groups = 1, bool bias = true, string padding_mode = "zeros")
            => new(in_channels, out_channels, Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode), bias);

        /// <summary>An unconstrained 2-D convolution with PyTorch's "same" or "valid" padding. Input (N, C_in, H, W).</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="padding"><see cref="Padding.Same"/> (stride 1) or <see cref="Padding.Valid"/>.</param>
        /// <param name="stride">Stride.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        public static Modules.PadConv2d PadConv2d(long in_channels, long out_channels, long kernel_size, Padding padding, long stride = 1, long dilation = 1,
            long groups = 1, bool bias = true, string padding_mode = "zeros")
            => new(in_channels, out_channels, Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, padding, new[] { dilation }, groups, padding_mode), bias);
    }
}
