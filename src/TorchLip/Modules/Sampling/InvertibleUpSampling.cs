using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Invertible up-sampling (PyTorch's <c>PixelShuffle</c>), the inverse of <see cref="InvertibleDownSampling"/>: every
    /// r² channels become one channel of r×r blocks, <c>out[n, c, r·h + i, r·w + j] = in[n, c·r² + i·r + j, h, w]</c>,
    /// times k. A permutation of the entries is an isometry, so the layer is exactly k-Lipschitz.
    /// </summary>
    /// <remarks>deel-torchlip ignores k_coef_lip in these layers' forward; this layer applies it.</remarks>
    public sealed class InvertibleUpSampling : LipschitzModule
    {
        /// <summary>Creates the layer. See <see cref="torchlip.InvertibleUpSampling"/>.</summary>
        /// <param name="kernel_size">The block size r (the factor by which height and width grow).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public InvertibleUpSampling(long kernel_size, double k_coef_lip = 1.0) : base(nameof(InvertibleUpSampling), k_coef_lip)
        {
            ArgumentChecks.Positive(kernel_size, nameof(kernel_size));
            this.kernel_size = kernel_size;
            RegisterComponents();
        }

        /// <summary>The block size r.</summary>
        public long kernel_size { get; }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            SpatialInput.RequireNchw(input, GetName());
            long channels = input.size(1), blocks = kernel_size * kernel_size;
            if (channels % blocks != 0)
                throw new ArgumentException(
                    $"{GetName()}: the input's channels ({channels}) must be a multiple of kernel_size² = {blocks}; " +
                    $"give the layer {blocks}·C channels (e.g. the output of InvertibleDownSampling({kernel_size})), or change kernel_size.",
                    nameof(input));
            var y = nn.functional.pixel_shuffle(input, kernel_size);
            double k = scale_factor;
            return k == 1.0 ? y : y.mul(ScalarCache.Of(k));
        }

        /// <summary>
        /// <c>nn.PixelShuffle(kernel_size)</c> when <see cref="LipschitzModule.scale_factor"/> is 1, else a new layer with
        /// the scale factor as its k (it shares nothing with this one).
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export() =>
            scale_factor == 1.0 ? nn.PixelShuffle(kernel_size) : new InvertibleUpSampling(kernel_size, scale_factor);

        /// <inheritdoc/>
        protected override string extra_repr() => FormattableString.Invariant($"kernel_size={kernel_size}") + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Invertible up-sampling (PixelShuffle) times k: input (N, C·r², H, W) with r = <paramref name="kernel_size"/>,
        /// output (N, C, H·r, W·r), <c>out[n, c, r·h + i, r·w + j] = k·in[n, c·r² + i·r + j, h, w]</c>.
        /// </summary>
        /// <param name="kernel_size">The block size r.</param>
        /// <param name="k_coef_lip">Lipschitz constant (applied, unlike deel-torchlip).</param>
        public static Modules.InvertibleUpSampling InvertibleUpSampling(long kernel_size, double k_coef_lip = 1.0) => new(kernel_size, k_coef_lip);
    }
}
