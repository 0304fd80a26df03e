using System;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Global average pooling scaled to be k-Lipschitz: each channel gives its mean times √(H·W), times k (= its sum
    /// divided by √(H·W)), with H and W read from each input. Output (N, C, 1, 1). Exactly k-Lipschitz in L2 for every
    /// input size.
    /// </summary>
    /// <remarks>Only the global pool (output size (1, 1), or 1) exists; deel-torchlip accepts only the tuple (1, 1).</remarks>
    public sealed class ScaledAdaptiveAvgPool2d : LipschitzPool2d
    {
        /// <summary>Creates the layer. See <see cref="torchlip.ScaledAdaptiveAvgPool2d"/>.</summary>
        /// <param name="output_size">Must be (1, 1) or 1 (null: (1, 1)).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public ScaledAdaptiveAvgPool2d(Size2d? output_size = null, double k_coef_lip = 1.0)
            : base(nameof(ScaledAdaptiveAvgPool2d), k_coef_lip)
        {
            AdaptiveOutputSize.RequireGlobal(output_size, nameof(ScaledAdaptiveAvgPool2d), nameof(ScaledAvgPool2d));
            RegisterComponents();
        }

        /// <summary>Output size: always (1, 1).</summary>
        public Size2d output_size => new(1, 1);

        /// <inheritdoc/>
        protected override Tensor Pool(Tensor input, double scale)
        {
            long area = input.size(2) * input.size(3);
            return Scaled(input.sum(new long[] { 2, 3 }, keepdim: true), scale / Math.Sqrt(area));
        }

        /// <inheritdoc/>
        protected override LipschitzPool2d WithK(double k) => new ScaledAdaptiveAvgPool2d(null, k);

        /// <inheritdoc/>
        protected override string extra_repr() => $"output_size={output_size}" + KRepr();
    }

    /// <summary>The output-size check of the adaptive (global) pools.</summary>
    internal static class AdaptiveOutputSize
    {
        public static void RequireGlobal(Size2d? output_size, string who, string windowed)
        {
            if (output_size is Size2d size && size != new Size2d(1, 1))
                throw new ArgumentException(
                    $"{who}: only output_size (1, 1) (a global pool) is supported, got {size}. For a larger output use " +
                    $"{windowed} with kernel_size = input size / output size.", nameof(output_size));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Global average pooling scaled to be k-Lipschitz: each channel's mean times √(H·W)·k. Input (N, C, H, W),
        /// output (N, C, 1, 1).
        /// </summary>
        /// <param name="output_size">Must be (1, 1) or 1 (null: (1, 1)).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.ScaledAdaptiveAvgPool2d ScaledAdaptiveAvgPool2d(Modules.Size2d? output_size = null, double k_coef_lip = 1.0)
            => new(output_size, k_coef_lip);
    }
}
