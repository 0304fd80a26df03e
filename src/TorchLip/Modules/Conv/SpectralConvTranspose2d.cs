using System.Linq;
using TorchLip.Constraints;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz 2-D transposed convolution. Its kernel (in_channels, out_channels/groups, kh, kw) is orthonormalized
    /// viewed as (in_channels, −1) — the matrix of the adjoint convolution, which has the same norm — and divided by that
    /// convolution's gain (2 for a 3×3 kernel at stride 2, as deel-torchlip's coefficient 1/2). Zero padding only;
    /// dilation must be 1 (deel-torchlip's rule).
    /// </summary>
    public sealed class SpectralConvTranspose2d : SpectralConv
    {
        /// <summary>Creates the layer. See <see cref="torchlip.SpectralConvTranspose2d"/>.</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The transposed operator (2-D).</param>
        /// <param name="options">The orthonormalization and its settings.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public SpectralConvTranspose2d(long in_channels, long out_channels, ConvOperator conv, SpectralOptions? options = null, bool bias = true, double k_coef_lip = 1.0)
            : base(nameof(SpectralConvTranspose2d), in_channels, out_channels, conv, 2, true, options, bias, k_coef_lip)
            => RegisterComponents();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>A k-Lipschitz 2-D transposed convolution. Input (N, C_in, H, W), output (N, C_out, H', W').</summary>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="kernel_size">Kernel size (square).</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Padding (removed from each side of the output).</param>
        /// <param name="output_padding">Extra output samples on one side (smaller than the stride).</param>
        /// <param name="groups">Groups (divides both channel counts).</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="dilation">Must be 1 (as in deel-torchlip).</param>
        /// <param name="padding_mode">"zeros" only (as PyTorch's ConvTranspose2d).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        /// <param name="warm_start">Warm-started Björck (default) or deel-torchlip's chain.</param>
        /// <exception cref="System.ArgumentException">dilation ≠ 1, a padding mode other than zeros, or channels that groups do not divide.</exception>
        public static Modules.SpectralConvTranspose2d SpectralConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1, string padding_mode = "zeros", double k_coef_lip = 1.0, bool warm_start = true)
        {
            if (dilation != 1)
                throw new System.ArgumentException($"dilation must be 1 for SpectralConvTranspose2d, got {dilation} (deel-torchlip's rule: the layer's kernel coefficient assumes contiguous taps). Use dilation 1.", nameof(dilation));
            return new(in_channels, out_channels,
                Modules.ConvSpec.Operator(new[] { kernel_size, kernel_size }, new[] { stride }, new[] { padding }, new[] { dilation }, groups, padding_mode,
                    transposed: true, output_padding: new[] { output_padding }),
                warm_start ? Constraints.SpectralOptions.WarmStart : Constraints.SpectralOptions.Classic, bias, k_coef_lip);
        }
    }
}
