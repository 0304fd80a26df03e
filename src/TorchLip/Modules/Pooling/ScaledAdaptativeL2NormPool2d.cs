using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Global L2-norm pooling: each channel gives the L2 norm of its H·W values, sqrt(Σ_{h,w} x²), times k. Output
    /// (N, C, 1, 1). Exactly k-Lipschitz in L2; an all-zero channel has gradient 0, never NaN. (The name keeps
    /// deel-torchlip's spelling.)
    /// </summary>
    public sealed class ScaledAdaptativeL2NormPool2d : LipschitzPool2d
    {
        /// <summary>Creates the layer. See <see cref="torchlip.ScaledAdaptativeL2NormPool2d"/>.</summary>
        /// <param name="output_size">Must be (1, 1) or 1 (null: (1, 1)).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public ScaledAdaptativeL2NormPool2d(Size2d? output_size = null, double k_coef_lip = 1.0)
            : base(nameof(ScaledAdaptativeL2NormPool2d), k_coef_lip)
        {
            AdaptiveOutputSize.RequireGlobal(output_size, nameof(ScaledAdaptativeL2NormPool2d), nameof(ScaledL2NormPool2d));
            RegisterComponents();
        }

        /// <summary>Output size: always (1, 1).</summary>
        public Size2d output_size => new(1, 1);

        /// <inheritdoc/>
        protected override Tensor Pool(Tensor input, double scale) =>
            Scaled(SafeSqrt(input.mul(input).sum(new long[] { 2, 3 }, keepdim: true)), scale);

        /// <inheritdoc/>
        protected override LipschitzPool2d WithK(double k) => new ScaledAdaptativeL2NormPool2d(null, k);

        /// <inheritdoc/>
        protected override string extra_repr() => $"output_size={output_size}" + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Global L2-norm pooling: each channel's sqrt(Σ_{h,w} x²)·k. Input (N, C, H, W), output (N, C, 1, 1).
        /// </summary>
        /// <param name="output_size">Must be (1, 1) or 1 (null: (1, 1)).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.ScaledAdaptativeL2NormPool2d ScaledAdaptativeL2NormPool2d(Modules.Size2d? output_size = null, double k_coef_lip = 1.0)
            => new(output_size, k_coef_lip);
    }
}
