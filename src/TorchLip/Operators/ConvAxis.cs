using System;
using System.Collections.Generic;

namespace TorchLip.Operators
{
    /// <summary>
    /// One spatial axis of a convolution: kernel, stride, dilation, padding before and after, and the padding mode. It
    /// maps padded positions to input samples (<see cref="Source"/>) — the one map both the forward's padding and the
    /// operator bound are computed from — and counts how often a sample is read.
    /// </summary>
    /// <remarks>
    /// With U(x) the patches matrix a convolution multiplies its reshaped kernel K with (y = K·U(x)),
    /// ‖y‖ ≤ σ_max(K)·‖U(x)‖_F and ‖U(x)‖_F² = Σ_i reads(i)·x_i², so ‖conv‖ ≤ √(max_i reads(i))·σ_max(K), where reads(i)
    /// counts the (output position, kernel tap) pairs that read sample i, through the padding's copies included. On a
    /// grid the count is the product of the axes' counts. For zero padding at stride s it is at most ⌈k/s⌉ per axis
    /// (deel-torchlip's coefficient); a mode that copies samples into the border can read one sample more often (reflect:
    /// k + 1 per axis with "same" padding; replicate: (p + 1)(p + 2)/2 for the edge), and then the reference's coefficient
    /// is not a bound. The count here is exact for the given mode, so the bound holds for every mode.
    /// </remarks>
    public sealed class ConvAxis
    {
        /// <summary>Creates the axis.</summary>
        /// <param name="kernel">Kernel size (≥ 1).</param>
        /// <param name="stride">Stride (≥ 1).</param>
        /// <param name="dilation">Dilation (≥ 1).</param>
        /// <param name="padBefore">Padding before the first sample (≥ 0).</param>
        /// <param name="padAfter">Padding after the last sample (≥ 0).</param>
        /// <param name="mode">How the padding is filled.</param>
        public ConvAxis(long kernel, long stride, long dilation, long padBefore, long padAfter, PaddingMode mode)
        {
            Internal.ArgumentChecks.Positive(kernel, "kernel_size");
            Internal.ArgumentChecks.Positive(stride, "stride");
            Internal.ArgumentChecks.Positive(dilation, "dilation");
            if (padBefore < 0 || padAfter < 0)
                throw new ArgumentOutOfRangeException("padding", $"padding must be >= 0, got ({padBefore}, {padAfter}).");
            Kernel = kernel;
            Stride = stride;
            Dilation = dilation;
            PadBefore = padBefore;
            PadAfter = padAfter;
            Mode = padBefore == 0 && padAfter == 0 ? PaddingMode.Zeros : mode;
        }

        /// <summary>Kernel size.</summary>
        public long Kernel { get; }

        /// <summary>Stride.</summary>
        public long Stride { get; }

        /// <summary>Dilation.</summary>
        public long Dilation { get; }

        /// <summary>Padding before the first sample.</summary>
        public long PadBefore { get; }

        /// <summary>Padding after the last sample.</summary>
        public long PadAfter { get; }

        /// <summary>The padding mode (zeros when there is no padding).</summary>
        public PaddingMode Mode { get; }

        /// <summary>The span of one kernel application: dilation·(kernel − 1) + 1.</summary>
        public long Span => Dilation * (Kernel - 1) + 1;

        /// <summary>
        /// The smallest input length the axis accepts: one output at least, the padding mode's own need (reflect: more samples
        /// than the padding; symmetric and circular: as many, as PyTorch requires), and long enough that no sample is read
        /// more often than on long inputs (<see cref="MaxReadsAnyLength"/>): on very short inputs a mirrored border reads the
        /// same samples again (reflect, k = 3, padding 1: 5 reads on 3 samples, 4 from 4 samples on), and the bound that
        /// holds for every accepted length would be looser for all of them.
        /// </summary>
        public long MinInput => (_limits ??= Limits()).MinInput;

        /// <summary>The smallest length the geometry and the padding mode alone allow.</summary>
        private long BaseMinInput
        {
            get
            {
                long forOutput = Math.Max(1, Span - PadBefore - PadAfter);
                long pad = Math.Max(PadBefore, PadAfter);
                long forMode = Mode switch
                {
                    PaddingMode.Reflect => pad + 1,
                    PaddingMode.Symmetric or PaddingMode.Circular => pad,
                    _ => 1,
                };
                return Math.Max(forOutput, forMode);
            }
        }

        private (long MinInput, long MaxReads)? _limits;

        /// <summary>The output length for an input of length <paramref name="n"/> (PyTorch's floor rule).</summary>
        /// <param name="n">Input length.</param>
        public long Output(long n) => (n + PadBefore + PadAfter - Span) / Stride + 1;

        /// <summary>The input sample padded position <paramref name="j"/> (−PadBefore ≤ j &lt; n + PadAfter) copies, or −1 for a zero.</summary>
        /// <param name="j">Position in input coordinates (negative in the leading border).</param>
        /// <param name="n">Input length.</param>
        public long Source(long j, long n)
        {
            if (j >= 0 && j < n) return j;
            return Mode switch
            {
                PaddingMode.Zeros => -1,
                PaddingMode.Reflect => j < 0 ? -j : 2 * (n - 1) - j,
                PaddingMode.Symmetric => j < 0 ? -j - 1 : 2 * n - 1 - j,
                PaddingMode.Replicate => j < 0 ? 0 : n - 1,
                _ => ((j % n) + n) % n,
            };
        }

        /// <summary>
        /// The largest number of (output position, kernel tap) pairs that read one input sample, for input length <paramref name="n"/>.
        /// </summary>
        /// <param name="n">Input length (≥ <see cref="MinInput"/>).</param>
        public long MaxReads(long n) => MaxReads(n, check: true);

        /// <summary>Like <see cref="MaxReads(long)"/> for any length ≥ 1, shorter than <see cref="MinInput"/> included.</summary>
        internal long MaxReadsUnchecked(long n) => MaxReads(n, check: false);

        private long MaxReads(long n, bool check)
        {
            if (check && n < MinInput) throw new ArgumentOutOfRangeException(nameof(n), n, $"an input of length {n} is shorter than this axis accepts ({MinInput}).");
            var reads = new long[n];
            long outputs = Output(n);
            for (long o = 0; o < outputs; o++)
                for (long t = 0; t < Kernel; t++)
                {
                    long source = Source(o * Stride - PadBefore + t * Dilation, n);
                    if (source >= 0) reads[source]++;
                }
            long max = 0;
            foreach (var r in reads) max = Math.Max(max, r);
            return max;
        }

        /// <summary>The largest <see cref="MaxReads(long)"/> over every input length the axis accepts (see <see cref="MinInput"/>).</summary>
        public long MaxReadsAnyLength() => (_limits ??= Limits()).MaxReads;

        // The reads near each border depend only on that border's geometry once the input is longer than both borders'
        // reach (padding + span + stride), and in the interior they repeat with period Stride; where the output grid ends
        // depends on n modulo the stride. So from `far` on every length repeats one of the pattern in [far, far + 2·stride],
        // whose largest count is the long-input bound; the accepted lengths start where no shorter one exceeds it.
        private (long, long) Limits()
        {
            long reach = PadBefore + PadAfter + Span + Stride;
            long first = BaseMinInput, far = first + 4 * reach + 4 * Stride;
            long longInputs = 0;
            for (long n = far; n <= far + 2 * Stride; n++) longInputs = Math.Max(longInputs, MaxReads(n, check: false));
            long min = far;
            while (min > first && MaxReads(min - 1, check: false) <= longInputs) min--;
            return (min, longInputs);
        }

        /// <summary>The padded positions' sources for input length <paramref name="n"/> (−1: zero), in order.</summary>
        /// <param name="n">Input length.</param>
        public long[] Sources(long n)
        {
            var sources = new List<long>((int)(n + PadBefore + PadAfter));
            for (long j = -PadBefore; j < n + PadAfter; j++) sources.Add(Source(j, n));
            return sources.ToArray();
        }

        /// <summary>PyTorch-style tuple element, e.g. "3".</summary>
        public override string ToString() => FormattableString.Invariant($"k={Kernel}, s={Stride}, d={Dilation}, pad=({PadBefore}, {PadAfter}), {PaddingModeNames.Name(Mode)}");
    }
}
