using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// L2-norm pooling: each non-overlapping window gives the L2 norm of its values, sqrt(Σ x²), times k (PyTorch's
    /// <c>LPPool2d</c> with p = 2). The norm of a window is 1-Lipschitz and the windows are disjoint, so the layer is
    /// exactly k-Lipschitz in L2. An all-zero window has gradient 0, never NaN.
    /// </summary>
    /// <remarks>
    /// <c>stride</c> must equal <c>kernel_size</c> (by value). With <c>ceil_mode</c> a partial window gives the norm of
    /// the values it holds (PyTorch's <c>LPPool2d</c> gives √(kh·kw/m) times that for a window of m elements, which is
    /// not 1-Lipschitz); without it the input's height and width must be multiples of the kernel's.
    /// </remarks>
    public sealed class ScaledL2NormPool2d : LipschitzPool2d
    {
        /// <summary>Creates the layer. See <see cref="torchlip.ScaledL2NormPool2d"/>.</summary>
        /// <param name="kernel_size">Window size: one integer or (height, width).</param>
        /// <param name="stride">Must equal <paramref name="kernel_size"/> (null: the kernel size).</param>
        /// <param name="ceil_mode">Pool the remainder of an input the windows do not tile as partial windows.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public ScaledL2NormPool2d(Size2d kernel_size, Size2d? stride = null, bool ceil_mode = false, double k_coef_lip = 1.0)
            : base(nameof(ScaledL2NormPool2d), k_coef_lip)
        {
            const string who = nameof(ScaledL2NormPool2d);
            kernel_size.CheckPositive(nameof(kernel_size), who);
            if (stride is Size2d s && s != kernel_size)
                throw new System.ArgumentException(
                    $"{who}: stride must equal kernel_size (non-overlapping windows: with overlaps an input counts in several " +
                    $"windows and the layer is no longer 1-Lipschitz), got stride {s} for kernel_size {kernel_size}. " +
                    "Leave stride unset, or pass stride: kernel_size.", nameof(stride));
            this.kernel_size = kernel_size;
            this.ceil_mode = ceil_mode;
            RegisterComponents();
        }

        /// <summary>Window size.</summary>
        public Size2d kernel_size { get; }

        /// <summary>Window step: always <see cref="kernel_size"/>.</summary>
        public Size2d stride => kernel_size;

        /// <summary>Whether partial windows at the bottom and right edges are pooled.</summary>
        public bool ceil_mode { get; }

        /// <inheritdoc/>
        protected override void CheckSpatialSize(Tensor input) =>
            SpatialInput.RequireTiled(input, kernel_size, nameof(kernel_size), ceil_mode, GetName(), ", or use ceil_mode: true to pool the remainder as partial windows");

        /// <inheritdoc/>
        protected override Tensor Pool(Tensor input, double scale)
        {
            var window = kernel_size.ToArray();
            var sumsOfSquares = nn.functional.avg_pool2d(input.mul(input), window, window, new long[] { 0, 0 }, ceil_mode, count_include_pad: true, divisor_override: 1);
            return Scaled(SafeSqrt(sumsOfSquares), scale);
        }

        /// <summary>
        /// <c>nn.LPPool2d(2, kernel_size)</c> without <see cref="ceil_mode"/> (the same function on every input this layer
        /// accepts; with ceil_mode its partial windows differ, see the remarks).
        /// </summary>
        protected override nn.Module<Tensor, Tensor>? PlainEquivalent() =>
            ceil_mode ? null : nn.LPPool2d(2.0, kernel_size.ToArray(), kernel_size.ToArray());

        /// <inheritdoc/>
        protected override LipschitzPool2d WithK(double k) => new ScaledL2NormPool2d(kernel_size, null, ceil_mode, k);

        /// <inheritdoc/>
        protected override string extra_repr() => $"kernel_size={kernel_size}, stride={stride}" + CeilRepr(ceil_mode) + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// L2-norm pooling: each (kh, kw) window gives sqrt(Σ x²)·k. Input (N, C, H, W), output (N, C, H/kh, W/kw)
        /// (rounded up with <paramref name="ceil_mode"/>). Exported as <c>nn.LPPool2d(2, kernel_size)</c> when k = 1.
        /// </summary>
        /// <param name="kernel_size">Window size: one integer or (height, width).</param>
        /// <param name="stride">Must equal <paramref name="kernel_size"/> (null: the kernel size).</param>
        /// <param name="ceil_mode">Pool the remainder of an input the windows do not tile as partial windows.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.ScaledL2NormPool2d ScaledL2NormPool2d(Modules.Size2d kernel_size, Modules.Size2d? stride = null, bool ceil_mode = false, double k_coef_lip = 1.0)
            => new(kernel_size, stride, ceil_mode, k_coef_lip);
    }
}
