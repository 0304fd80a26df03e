using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Average pooling scaled to be k-Lipschitz: each non-overlapping window gives its sum divided by √(kh·kw), times k
    /// (= <c>AvgPool2d</c> · √(kh·kw) · k). A window sum divided by √(kh·kw) has norm 1 as a linear map of the window,
    /// and the windows are disjoint, so the layer is exactly k-Lipschitz in L2 (for every input size).
    /// </summary>
    /// <remarks>
    /// Settings that would break the bound are rejected or computed honestly: <c>stride</c> must equal
    /// <c>kernel_size</c> (by value, so 2 and (2, 2) are the same) and <c>padding</c> must be 0, as in deel-torchlip;
    /// <c>divisor_override</c> may only be kh·kw (deel-torchlip would multiply its average by √(kh·kw) too, a map
    /// kh·kw/divisor_override times too steep); with <c>ceil_mode</c> the last, partial windows also give their sum
    /// divided by √(kh·kw) (deel-torchlip gives their average times √(kh·kw), which is √(kh·kw/m) times too steep for a
    /// window of m elements). Without <c>ceil_mode</c> the input's height and width must be multiples of the kernel's
    /// (deel-torchlip drops the last rows and columns silently).
    /// </remarks>
    public sealed class ScaledAvgPool2d : LipschitzPool2d
    {
        /// <summary>Creates the layer. See <see cref="torchlip.ScaledAvgPool2d"/>.</summary>
        /// <param name="kernel_size">Window size: one integer or (height, width).</param>
        /// <param name="stride">Must equal <paramref name="kernel_size"/> (null: the kernel size).</param>
        /// <param name="padding">Must be 0 (null: 0).</param>
        /// <param name="ceil_mode">Pool the last rows and columns of an input that the windows do not tile as partial windows.</param>
        /// <param name="count_include_pad">Kept for PyTorch's signature; without padding it changes nothing.</param>
        /// <param name="divisor_override">Null, or kh·kw (the same map); any other value is rejected.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public ScaledAvgPool2d(Size2d kernel_size, Size2d? stride = null, Size2d? padding = null, bool ceil_mode = false,
            bool count_include_pad = true, long? divisor_override = null, double k_coef_lip = 1.0)
            : base(nameof(ScaledAvgPool2d), k_coef_lip)
        {
            const string who = nameof(ScaledAvgPool2d);
            kernel_size.CheckPositive(nameof(kernel_size), who);
            if (stride is Size2d s && s != kernel_size)
                throw new ArgumentException(
                    $"{who}: stride must equal kernel_size (non-overlapping windows: with overlaps an input counts in several " +
                    $"windows and √(kh·kw) no longer bounds the map), got stride {s} for kernel_size {kernel_size}. " +
                    "Leave stride unset, or pass stride: kernel_size.", nameof(stride));
            if (padding is Size2d p && p != new Size2d(0, 0))
                throw new ArgumentException(
                    $"{who}: padding must be 0, got {p}. Pad the input before the layer (nn.functional.pad), or leave padding unset.",
                    nameof(padding));
            if (divisor_override is long d && d != kernel_size.Area)
                throw new ArgumentException(
                    $"{who}: divisor_override must be null (or kh·kw = {kernel_size.Area}, the same map), got {d}: the layer divides " +
                    $"each window sum by √(kh·kw) itself, and another divisor would make it {kernel_size.Area}/{d} times steeper " +
                    "than its Lipschitz constant. Leave divisor_override unset, and change the scale with k_coef_lip.",
                    nameof(divisor_override));
            this.kernel_size = kernel_size;
            this.ceil_mode = ceil_mode;
            this.count_include_pad = count_include_pad;
            this.divisor_override = divisor_override;
            RegisterComponents();
        }

        /// <summary>Window size.</summary>
        public Size2d kernel_size { get; }

        /// <summary>Window step: always <see cref="kernel_size"/>.</summary>
        public Size2d stride => kernel_size;

        /// <summary>Whether partial windows at the bottom and right edges are pooled.</summary>
        public bool ceil_mode { get; }

        /// <summary>As given to the constructor (no effect without padding).</summary>
        public bool count_include_pad { get; }

        /// <summary>As given to the constructor: null or kh·kw.</summary>
        public long? divisor_override { get; }

        /// <inheritdoc/>
        protected override void CheckSpatialSize(Tensor input) =>
            SpatialInput.RequireTiled(input, kernel_size, nameof(kernel_size), ceil_mode, GetName(), ", or use ceil_mode: true to pool the remainder as partial windows");

        /// <inheritdoc/>
        protected override Tensor Pool(Tensor input, double scale)
        {
            var window = kernel_size.ToArray();
            // divisor 1: window sums, partial windows included, then one multiplication by k/√(kh·kw).
            var sums = nn.functional.avg_pool2d(input, window, window, new long[] { 0, 0 }, ceil_mode, count_include_pad: true, divisor_override: 1);
            return Scaled(sums, scale / Math.Sqrt(kernel_size.Area));
        }

        /// <inheritdoc/>
        protected override LipschitzPool2d WithK(double k) =>
            new ScaledAvgPool2d(kernel_size, null, null, ceil_mode, count_include_pad, divisor_override, k);

        /// <inheritdoc/>
        protected override string extra_repr() => $"kernel_size={kernel_size}, stride={stride}" + CeilRepr(ceil_mode) + KRepr();
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Average pooling scaled to be k-Lipschitz: each (kh, kw) window gives its sum divided by √(kh·kw), times k.
        /// Input (N, C, H, W), output (N, C, H/kh, W/kw) (rounded up with <paramref name="ceil_mode"/>).
        /// </summary>
        /// <param name="kernel_size">Window size: one integer or (height, width).</param>
        /// <param name="stride">Must equal <paramref name="kernel_size"/> (null: the kernel size).</param>
        /// <param name="padding">Must be 0 (null: 0).</param>
        /// <param name="ceil_mode">Pool the remainder of an input the windows do not tile as partial windows (each its sum / √(kh·kw)).</param>
        /// <param name="count_include_pad">Kept for PyTorch's signature; without padding it changes nothing.</param>
        /// <param name="divisor_override">Null, or kh·kw; any other value is rejected.</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.ScaledAvgPool2d ScaledAvgPool2d(Modules.Size2d kernel_size, Modules.Size2d? stride = null, Modules.Size2d? padding = null,
            bool ceil_mode = false, bool count_include_pad = true, long? divisor_override = null, double k_coef_lip = 1.0)
            => new(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, k_coef_lip);
    }
}
