using System.Linq;
using TorchLip.Constraints;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz 1-D convolution: as <see cref="SpectralConv2d"/> on one axis. The kernel is scaled by 1/√(reads)
    /// (1/√3 for k = 3 at stride 1 with zero padding), where deel-torchlip uses 1/⌈k/s⌉ without the square root (1/3):
    /// its layers are needlessly contractive, ours are k-Lipschitz and tighter.
    /// </summary>
    public sealed class SpectralConv1d : SpectralConv
    {
        /// <summary>Creates the layer from its operator and a spectral preset. See <see cref="torchlip.SpectralConv1d(long, long, long, long, long, long, long, bool, string, double, bool, int)"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator (1-D).</param>
        /// <param name="options">The orthonormalization and its settings.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public SpectralConv1d(long in_channels, long out_channels, ConvOperator conv, SpectralOptions? options = null, bool bias = true, double k_coef_lip = 1.0)
            : base(nameof(SpectralConv1d), in_channels, out_channels, conv, 1, false, options, bias, k_coef_lip)
            => RegisterComponents();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>A k-Lipschitz 1-D convolution. Input (N, C_in, L), output (N, C_out, L').</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size.</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding on each side.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups (divides both channel counts).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="warm_start">Warm-started Björck (default) or deel-torchlip's chain.</param>
        /// <param name="niter_bjorck">Maximum Björck iterations.</param>
        public static Modules.SpectralConv1d SpectralConv1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0, bool warm_start = true,
            int niter_bjorck = Constraints.ConstraintDefaults.BjorckIterations)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode),
                Constraints.SpectralOptions.FromArguments(null, niter_bjorck, null, null, Constraints.ConstraintDefaults.BjorckBeta, warm_start), bias, k_coef_lip);

        /// <summary>A k-Lipschitz 1-D convolution with PyTorch's <see cref="Padding.Same"/> (stride 1) or <see cref="Padding.Valid"/> padding.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size.</param>
        /// <param name="padding">Same or Valid.</param>
        /// <param name="stride">Stride (1 with Same).</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="warm_start">Warm-started Björck (default) or deel-torchlip's chain.</param>
        public static Modules.SpectralConv1d SpectralConv1d(long in_channels, long out_channels, long kernel_size, Padding padding, long stride = 1,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0, bool warm_start = true)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size }, new[] { stride }, padding, new[] { dilation }, groups, padding_mode),
                warm_start ? Constraints.SpectralOptions.WarmStart : Constraints.SpectralOptions.Classic, bias, k_coef_lip);
    }
}
