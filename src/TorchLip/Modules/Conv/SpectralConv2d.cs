using System.Linq;
using TorchLip.Constraints;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz 2-D convolution: the kernel reshaped to (out_channels, in_channels/groups·kh·kw) is orthonormalized
    /// (warm-started Björck by default, deel-torchlip's chain with <c>warm_start: false</c>) and scaled by
    /// 1/<see cref="ConstrainedModule.operator_gain"/>, √ of the largest number of times the operator reads one input
    /// sample for this padding mode, stride and dilation (3 for a 3×3 kernel with zero padding at stride 1, as in
    /// deel-torchlip; 4 with "reflect" padding, where deel-torchlip's 3 is not a bound), and certified in float64 against
    /// k / gain: the convolution is k-Lipschitz for every input size.
    /// </summary>
    public sealed class SpectralConv2d : SpectralConv
    {
        /// <summary>Creates the layer from its operator and a spectral preset. See <see cref="torchlip.SpectralConv2d(long, long, long, long, long, long, long, bool, string, double, bool, int, int?, double?, double?, double)"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator (2-D).</param>
        /// <param name="options">The orthonormalization and its settings.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public SpectralConv2d(long in_channels, long out_channels, ConvOperator conv, SpectralOptions? options = null, bool bias = true, double k_coef_lip = 1.0)
            : base(nameof(SpectralConv2d), in_channels, out_channels, conv, 2, false, options, bias, k_coef_lip)
            => RegisterComponents();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A k-Lipschitz 2-D convolution (orthonormalized reshaped kernel divided by the operator's gain for its padding
        /// mode, certified on the map). Input (N, C_in, H, W), output (N, C_out, H', W').
        /// </summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding on each side.</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups (divides both channel counts).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="warm_start">Warm-started Björck (default); false runs deel-torchlip's chain (power iteration, then Björck).</param>
        /// <param name="niter_bjorck">Maximum Björck iterations.</param>
        /// <param name="niter_spectral">Classic chain only: power iterations per train-mode forward.</param>
        /// <param name="eps_bjorck">Classic chain only: Björck early stop on ‖ΔW‖_F.</param>
        /// <param name="eps_spectral">Classic chain only: normalization floor of the power iteration.</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        public static Modules.SpectralConv2d SpectralConv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0, bool warm_start = true,
            int niter_bjorck = Constraints.ConstraintDefaults.BjorckIterations, int? niter_spectral = null, double? eps_bjorck = null, double? eps_spectral = null,
            double beta_bjorck = Constraints.ConstraintDefaults.BjorckBeta)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode),
                Constraints.SpectralOptions.FromArguments(niter_spectral, niter_bjorck, eps_bjorck, eps_spectral, beta_bjorck, warm_start), bias, k_coef_lip);

        /// <summary>A k-Lipschitz 2-D convolution with PyTorch's <see cref="Padding.Same"/> (stride 1) or <see cref="Padding.Valid"/> padding.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="padding">Same or Valid.</param>
        /// <param name="stride">Stride (1 with Same).</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="warm_start">Warm-started Björck (default) or deel-torchlip's chain.</param>
        public static Modules.SpectralConv2d SpectralConv2d(long in_channels, long out_channels, long kernel_size, Padding padding, long stride = 1,
            long dilation = 1, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0, bool warm_start = true)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, padding, new[] { dilation }, groups, padding_mode),
                warm_start ? Constraints.SpectralOptions.WarmStart : Constraints.SpectralOptions.Classic, bias, k_coef_lip);

        /// <summary>A k-Lipschitz 2-D convolution with a rectangular kernel and per-axis stride, padding and dilation.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">(kh, kw).</param>
        /// <param name="stride">(sh, sw); null: (1, 1).</param>
        /// <param name="padding">(ph, pw) on each side; null: none.</param>
        /// <param name="dilation">(dh, dw); null: (1, 1).</param>
        /// <param name="groups">Groups.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="padding_mode">"zeros", "reflect", "replicate", "circular" or "symmetric".</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="options">The orthonormalization preset; null: the warm start.</param>
        public static Modules.SpectralConv2d SpectralConv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null,
            (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true, string padding_mode = "zeros", double k_coef_lip = 1.0,
            Constraints.SpectralOptions? options = null)
            => new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size.Item1, kernel_size.Item2 }, Pair(stride, 1), Pair(padding, 0), Pair(dilation, 1), groups, padding_mode),
                options, bias, k_coef_lip);

        private static long[] Pair((long, long)? value, long fallback) => value is { } v ? new[] { v.Item1, v.Item2 } : new[] { fallback, fallback };
    }
}
