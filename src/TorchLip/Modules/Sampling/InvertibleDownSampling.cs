using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

// Modules/Sampling rather than a "Reshaping" folder: the layers carry deel-torchlip's names (down/up-sampling) and
// change the spatial resolution like the pools; that they are isometries (a permutation of the entries) is what makes
// them Lipschitz, not what they are used for.
namespace TorchLip.Modules
{
    /// <summary>
    /// Invertible down-sampling (PyTorch's <c>PixelUnshuffle</c>): every r×r block of each channel becomes r² channels,
    /// <c>out[n, c·r² + i·r + j, h, w] = in[n, c, r·h + i, r·w + j]</c>, times k. A permutation of the entries is an
    /// isometry, so the layer is exactly k-Lipschitz. <see cref="InvertibleUpSampling"/> is its inverse.
    /// </summary>
    /// <remarks>deel-torchlip ignores k_coef_lip in these layers' forward; this layer applies it.</remarks>
    public sealed class InvertibleDownSampling : LipschitzModule
    {
        /// <summary>Creates the layer. See <see cref="torchlip.InvertibleDownSampling"/>.</summary>
        /// <param name="kernel_size">The block size r (the factor by which height and width shrink).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public InvertibleDownSampling(long kernel_size, double k_coef_lip = 1.0) : base(nameof(InvertibleDownSampling), k_coef_lip)
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
            SpatialInput.RequireTiled(input, kernel_size, nameof(kernel_size), partialAllowed: false, GetName(), "");
            var y = nn.functional.pixel_unshuffle(input, kernel_size);
            double k = scale_factor;
            return k == 1.0 ? y : y.mul(ScalarCache.Of(k));
        }

        /// <summary>
        /// <c>nn.PixelUnshuffle(kernel_size)</c> when <see cref="LipschitzModule.scale_factor"/> is 1, else a new layer
        /// with the scale factor as its k (it shares nothing with this one).
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export() =>
            scale_factor == 1.0 ? nn.PixelUnshuffle(kernel_size) : new InvertibleDownSampling(kernel_size, scale_factor);

        /// <inheritdoc/>
        protected override string extra_repr() => FormattableString.Invariant($"kernel_size={kernel_size}") + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Invertible down-sampling (PixelUnshuffle) times k: input (N, C, H, W) with H and W multiples of
        /// <paramref name="kernel_size"/> = r, output (N, C·r², H/r, W/r), <c>out[n, c·r² + i·r + j, h, w] = k·in[n, c, r·h + i, r·w + j]</c>.
        /// </summary>
        /// <param name="kernel_size">The block size r.</param>
        /// <param name="k_coef_lip">Lipschitz constant (applied, unlike deel-torchlip).</param>
        public static Modules.InvertibleDownSampling InvertibleDownSampling(long kernel_size, double k_coef_lip = 1.0) => new(kernel_size, k_coef_lip);
    }
}
