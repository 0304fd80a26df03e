using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>An unconstrained 1-D convolution that also takes the "symmetric" padding mode (deel-torchlip's <c>PadConv1d</c>). See <see cref="PadConv"/>.</summary>
    public sealed class PadConv1d : PadConv
    {
        /// <summary>Creates the layer. See <see cref="torchlip.PadConv1d(long, long, long, long, long, long, long, bool, string)"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        public PadConv1d(long in_channels, long out_channels, ConvOperator conv, bool bias = true) : base(nameof(PadConv1d), in_channels, out_channels, conv, bias)
        {
            if (conv.Dims != 1) throw new System.ArgumentException("PadConv1d needs a 1-D operator.", nameof(conv));
            RegisterComponents();
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>An unconstrained 1-D convolution with PyTorch's arguments and the extra "symmetric" padding mode. Input (N, C_in, L).</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size.</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding on each side.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups (divides both channel counts).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        public static Modules.PadConv1d PadConv1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
            long groups = 1, bool bias = true, string padding_mode = "zeros")
            => new(in_channels, out_channels, Modules.ConvSpec.Operator(new[] { kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode), bias);
    }
}
