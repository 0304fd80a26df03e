using System.Linq;
using TorchLip.Constraints;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz 2-D convolution whose whole kernel is divided by its Frobenius norm (σ_max ≤ ‖K‖_F) and by the
    /// operator's gain (deel-torchlip's <c>FrobeniusConv2d</c>, which accepts stride 1 only; the gain here also covers
    /// strides, dilation and every padding mode, so they are accepted).
    /// </summary>
    public sealed class FrobeniusConv2d : ConstrainedConv
    {
        /// <summary>Creates the layer. See <see cref="torchlip.FrobeniusConv2d(long, long, long, long, long, long, long, bool, string, double)"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator (2-D).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public FrobeniusConv2d(long in_channels, long out_channels, ConvOperator conv, bool bias = true, double k_coef_lip = 1.0)
            : base(nameof(FrobeniusConv2d), in_channels, out_channels, conv.Axes.Select(a => a.Kernel).ToArray(), Check(conv), bias,
                WeightConstraint.Frobenius(disjoint_neurons: false), k_coef_lip)
            => RegisterComponents();

        private static ConvOperator Check(ConvOperator conv)
        {
            if (conv.Dims != 2 || conv.Transposed) throw new System.ArgumentException("FrobeniusConv2d needs a 2-D, non-transposed operator.", nameof(conv));
            return conv;
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>A k-Lipschitz 2-D convolution normalized by the Frobenius norm of its kernel and the operator's gain. Input (N, C_in, H, W).</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding on each side.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.FrobeniusConv2d FrobeniusConv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode), bias, k_coef_lip);

        /// <summary>A k-Lipschitz Frobenius-normalized 2-D convolution with PyTorch's Same (stride 1) or Valid padding.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="padding">Same or Valid.</param>
        /// <param name="stride">Stride.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.FrobeniusConv2d FrobeniusConv2d(long in_channels, long out_channels, long kernel_size, Padding padding, long stride = 1,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, padding, new[] { dilation }, groups, padding_mode), bias, k_coef_lip);
    }
}
