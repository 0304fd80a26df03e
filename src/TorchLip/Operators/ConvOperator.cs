using System;
using System.Collections.Concurrent;
using System.Linq;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Operators
{
    /// <summary>
    /// The linear map of a 1-D or 2-D convolution (or transposed convolution) with a given kernel: its geometry, how it is
    /// applied (padding, then the convolution), and the rigorous factor between the spectral norm of its reshaped kernel
    /// and the norm of the operator (<see cref="Gain"/>), for every input size it accepts.
    /// </summary>
    /// <remarks>
    /// A convolution's kernel is applied as the matrix K = weight.reshape(weight.shape[0], −1) to the patches of its
    /// input, so ‖conv‖ ≤ √(reads)·σ_max(K) with reads the largest number of (output, tap) pairs reading one input sample
    /// (<see cref="ConvAxis"/>), the product over the axes. A transposed convolution is the adjoint of the convolution
    /// with the same weight read as (out = shape[0], in = shape[1]) and the same stride, padding and dilation, and has the
    /// same norm. Groups split K into row blocks and the operator into a direct sum, so the bound of the whole K holds.
    /// The padding is applied through <see cref="ConvAxis.Source"/>, the same map the count reads.
    /// </remarks>
    public sealed class ConvOperator
    {
        private readonly ConcurrentDictionary<(int axis, long n, string device), Tensor> _sources = new();

        /// <summary>Creates the operator.</summary>
        /// <param name="axes">The spatial axes (1 or 2).</param>
        /// <param name="groups">Groups (≥ 1).</param>
        /// <param name="transposed">A transposed convolution (zero padding only).</param>
        /// <param name="outputPadding">Transposed only: extra output samples per axis (each below the stride or the dilation).</param>
        public ConvOperator(ConvAxis[] axes, long groups = 1, bool transposed = false, long[]? outputPadding = null)
        {
            ArgumentNullException.ThrowIfNull(axes);
            if (axes.Length is < 1 or > 2) throw new ArgumentException($"ConvOperator: 1 or 2 spatial axes, got {axes.Length}.", nameof(axes));
            ArgumentChecks.Positive(groups, "groups");
            Axes = axes;
            Groups = groups;
            Transposed = transposed;
            OutputPadding = outputPadding ?? new long[axes.Length];
            if (OutputPadding.Length != axes.Length) throw new ArgumentException("output_padding needs one value per spatial axis.", nameof(outputPadding));
            if (transposed && axes.Any(a => a.Mode != PaddingMode.Zeros))
                throw new ArgumentException("padding_mode: a transposed convolution supports only zero padding (as PyTorch's ConvTranspose2d). Use padding_mode \"zeros\".", "padding_mode");
            if (transposed)
                foreach (var a in axes)
                    if (a.PadBefore != a.PadAfter || a.PadBefore > a.Dilation * (a.Kernel - 1))
                        throw new ArgumentOutOfRangeException("padding", a.PadBefore,
                            $"padding of a transposed convolution must be the same on both sides and at most dilation·(kernel_size − 1) = {a.Dilation * (a.Kernel - 1)}; got ({a.PadBefore}, {a.PadAfter}).");
            for (int i = 0; i < axes.Length; i++)
                if (OutputPadding[i] < 0 || OutputPadding[i] >= Math.Max(axes[i].Stride, axes[i].Dilation))
                    throw new ArgumentOutOfRangeException("output_padding", OutputPadding[i],
                        $"output_padding must be >= 0 and smaller than the stride or the dilation ({Math.Max(axes[i].Stride, axes[i].Dilation)}), got {OutputPadding[i]}.");
            Gain = Math.Sqrt(axes.Aggregate(1.0, (product, a) => product * a.MaxReadsAnyLength()));
        }

        /// <summary>The spatial axes (height then width for 2-D).</summary>
        public ConvAxis[] Axes { get; }

        /// <summary>Groups.</summary>
        public long Groups { get; }

        /// <summary>Whether the operator is a transposed convolution.</summary>
        public bool Transposed { get; }

        /// <summary>Transposed only: extra output samples per axis.</summary>
        public long[] OutputPadding { get; }

        /// <summary>Number of spatial axes.</summary>
        public int Dims => Axes.Length;

        /// <summary>
        /// A factor c such that ‖operator‖₂ ≤ c·σ_max(weight.reshape(weight.shape[0], −1)) for every input size the operator
        /// accepts: √ of the largest read count (see the remarks).
        /// </summary>
        public double Gain { get; }

        /// <summary>The factor of <see cref="Gain"/> for inputs of the given spatial size only.</summary>
        /// <param name="spatial">Input spatial size (one entry per axis).</param>
        public double GainFor(long[] spatial)
        {
            CheckSpatial(spatial, "ConvOperator.GainFor");
            double product = 1;
            for (int i = 0; i < Dims; i++)
                product *= Axes[i].MaxReads(Transposed ? TransposedLength(i, spatial[i]) : spatial[i]);
            return Math.Sqrt(product);
        }

        /// <summary>
        /// √ of the largest number of reads of one sample for inputs of exactly this spatial size, including sizes below
        /// <see cref="MinInput"/> (which a plain convolution accepts): what bounds a plain layer's map on that input.
        /// </summary>
        /// <param name="spatial">Input spatial size (one entry per axis).</param>
        internal double ReadGain(long[] spatial)
        {
            if (spatial.Length != Dims) throw new ArgumentException($"ConvOperator.ReadGain: expected {Dims} spatial dimension(s), got {spatial.Length}.");
            double product = 1;
            for (int i = 0; i < Dims; i++)
                product *= Axes[i].MaxReadsUnchecked(Transposed ? TransposedLength(i, spatial[i]) : spatial[i]);
            return Math.Sqrt(product);
        }

        /// <summary>The output spatial size for an input of spatial size <paramref name="spatial"/>.</summary>
        /// <param name="spatial">Input spatial size.</param>
        public long[] OutputSize(long[] spatial) =>
            Enumerable.Range(0, Dims).Select(i => Transposed ? TransposedLength(i, spatial[i]) : Axes[i].Output(spatial[i])).ToArray();

        /// <summary>The smallest input length along each axis.</summary>
        public long[] MinInput => Enumerable.Range(0, Dims).Select(i =>
        {
            if (!Transposed) return Axes[i].MinInput;
            // The adjoint convolution's input (this operator's output) must be one it accepts.
            long m = 1;
            while (TransposedLength(i, m) < Axes[i].MinInput) m++;
            return m;
        }).ToArray();

        /// <summary>Throws an error naming the fix when an input of this spatial size cannot be convolved.</summary>
        /// <param name="spatial">Input spatial size.</param>
        /// <param name="who">The layer, for the message.</param>
        public void CheckSpatial(long[] spatial, string who)
        {
            if (spatial.Length != Dims) throw new ArgumentException($"{who}: expected {Dims} spatial dimension(s), got {spatial.Length}.");
            var min = MinInput;
            for (int i = 0; i < Dims; i++)
            {
                if (spatial[i] >= min[i]) continue;
                string axis = Dims == 1 ? "length" : i == 0 ? "height" : "width";
                throw new ArgumentException(
                    $"{who}: the input's {axis} is {spatial[i]}, but this layer accepts at least {min[i]} (kernel span {Axes[i].Span}, padding ({Axes[i].PadBefore}, {Axes[i].PadAfter}), " +
                    $"{PaddingModeNames.Name(Axes[i].Mode)} border: a shorter input is read more often through its border than the layer's bound allows, or cannot be padded). " +
                    "Use a larger input, a smaller kernel, or other padding.", "input");
            }
        }

        /// <summary>The convolution of <paramref name="input"/> (N, C, *spatial) with <paramref name="weight"/> and an optional bias.</summary>
        /// <param name="input">Input, (N, C_in, L) or (N, C_in, H, W).</param>
        /// <param name="weight">Kernel, (C_out, C_in/groups, *k) — (C_in, C_out/groups, *k) for a transposed convolution.</param>
        /// <param name="bias">Bias (C_out) or null.</param>
        public Tensor Apply(Tensor input, Tensor weight, Tensor? bias)
        {
            var stride = Axes.Select(a => a.Stride).ToArray();
            var dilation = Axes.Select(a => a.Dilation).ToArray();
            if (Transposed) return ApplyTransposed(input, weight, bias, stride, dilation);
            var (x, convPadding) = Pad(input);
            return Dims == 1
                ? Internal.Cpu.Convolution.Conv1d(x, weight, bias, stride[0], convPadding[0], dilation[0], Groups)
                : Internal.Cpu.Convolution.Conv2d(x, weight, bias, stride, convPadding, dilation, Groups);
        }

        // A transposed convolution computed as the convolution it is: zeros inserted between the input samples (stride),
        // a zero border of d·(k − 1) − p before and that plus output_padding after, then the kernel flipped with its two
        // channel dimensions exchanged per group. libtorch 2.10's float32 conv_transpose2d at stride 1 returned wrong
        // values and NaN on this project's CPU (float64 and this formula agree), so the layers never call it.
        private Tensor ApplyTransposed(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] dilation)
        {
            var x = input;
            var pads = new long[2 * Dims];
            for (int i = 0; i < Dims; i++)
            {
                int dim = (int)x.dim() - Dims + i;
                if (stride[i] > 1) x = InsertZeros(x, dim, stride[i]);
                long border = dilation[i] * (Axes[i].Kernel - 1) - Axes[i].PadBefore;
                // F.pad lists the last dimension first.
                pads[2 * (Dims - 1 - i)] = border;
                pads[2 * (Dims - 1 - i) + 1] = border + OutputPadding[i];
            }
            if (pads.Any(p => p != 0)) x = nn.functional.pad(x, pads);
            long inPerGroup = weight.size(0) / Groups, outPerGroup = weight.size(1);
            var spatialDims = Enumerable.Range(2, Dims).Select(d => (long)d).ToArray();
            var kernel = weight.reshape(new[] { Groups, inPerGroup, outPerGroup }.Concat(TensorSizesOf(weight).Skip(2)).ToArray())
                .transpose(1, 2).reshape(new[] { Groups * outPerGroup, inPerGroup }.Concat(TensorSizesOf(weight).Skip(2)).ToArray())
                .flip(spatialDims);
            var ones = Enumerable.Repeat(1L, Dims).ToArray();
            return Dims == 1
                ? Internal.Cpu.Convolution.Conv1d(x, kernel, bias, 1, 0, dilation[0], Groups)
                : Internal.Cpu.Convolution.Conv2d(x, kernel, bias, ones, new long[Dims], dilation, Groups);
        }

        // x with s − 1 zeros between consecutive samples along dim: n samples become (n − 1)·s + 1.
        private static Tensor InsertZeros(Tensor x, int dim, long s)
        {
            var sizes = TensorSizesOf(x);
            long n = sizes[dim];
            var spread = x.unsqueeze(dim + 1);
            var zerosShape = (long[])TensorSizesOf(spread).Clone();
            zerosShape[dim + 1] = s - 1;
            var joined = torch.cat(new[] { spread, torch.zeros(zerosShape, dtype: x.dtype, device: x.device) }, dim + 1);
            var merged = (long[])sizes.Clone();
            merged[dim] = n * s;
            return joined.reshape(merged).narrow(dim, 0, (n - 1) * s + 1);
        }

        private static long[] TensorSizesOf(Tensor t) => Internal.TensorSizes.Of(t);

        // Symmetric zero padding goes to the convolution itself; any other border is materialized first, through the
        // same source map the read count uses.
        private (Tensor x, long[] convPadding) Pad(Tensor input)
        {
            if (Axes.All(a => a.Mode == PaddingMode.Zeros && a.PadBefore == a.PadAfter))
                return (input, Axes.Select(a => a.PadBefore).ToArray());
            var x = input;
            for (int i = 0; i < Dims; i++)
            {
                var axis = Axes[i];
                if (axis.PadBefore == 0 && axis.PadAfter == 0) continue;
                int dim = (int)x.dim() - Dims + i;
                long n = x.size(dim);
                if (axis.Mode == PaddingMode.Zeros)
                {
                    var pads = new long[2 * (Dims - i)];
                    pads[^2] = axis.PadBefore;
                    pads[^1] = axis.PadAfter;
                    x = nn.functional.pad(x, pads);
                }
                else x = x.index_select(dim, SourceIndex(i, n, x.device));
            }
            return (x, new long[Dims]);
        }

        private Tensor SourceIndex(int axis, long n, Device device) =>
            _sources.GetOrAdd((axis, n, device.ToString()), _ =>
            {
                using var noGrad = torch.no_grad();
                return torch.tensor(Axes[axis].Sources(n), dtype: ScalarType.Int64, device: device).DetachFromDisposeScope();
            });

        // The transposed convolution's output length, which is the input length of its adjoint convolution.
        private long TransposedLength(int i, long m)
        {
            var a = Axes[i];
            return (m - 1) * a.Stride - a.PadBefore - a.PadAfter + a.Span + OutputPadding[i];
        }

        /// <summary>The operator norm's largest singular value for inputs of (<paramref name="channels"/>, *<paramref name="spatial"/>), exactly:
        /// the float64 SVD of the operator's matrix built from impulse responses (small inputs only: C·H·W columns).</summary>
        /// <param name="weight">The kernel as applied.</param>
        /// <param name="channels">Input channels.</param>
        /// <param name="spatial">Input spatial size.</param>
        public double ExactNorm(Tensor weight, long channels, long[] spatial)
        {
            CheckSpatial(spatial, "conv_operator_norm_exact");
            long n = channels * spatial.Aggregate(1L, (p, s) => p * s);
            if (n > 4096)
                throw new ArgumentException($"conv_operator_norm_exact: the operator's matrix would have {n} columns (channels × input size); use an input of at most 4096 values, or conv_operator_norm (power iteration).", nameof(spatial));
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var w = weight.detach().to_type(ScalarType.Float64);
            var impulses = torch.eye(n, dtype: ScalarType.Float64, device: w.device).reshape(new[] { n, channels }.Concat(spatial).ToArray());
            var matrix = Apply(impulses, w, null).reshape(n, -1);
            return torch.linalg.svdvals(matrix).max().item<double>();
        }

        /// <summary>
        /// A lower estimate of the operator norm for inputs of (<paramref name="channels"/>, *<paramref name="spatial"/>):
        /// power iteration on the operator and its adjoint (never a certificate: it approaches the norm from below).
        /// </summary>
        /// <param name="weight">The kernel as applied.</param>
        /// <param name="channels">Input channels.</param>
        /// <param name="spatial">Input spatial size.</param>
        /// <param name="iterations">Power iterations.</param>
        /// <param name="generator">Random source of the start vector, or null.</param>
        public double PowerIterationNorm(Tensor weight, long channels, long[] spatial, int iterations = 100, Generator? generator = null)
        {
            CheckSpatial(spatial, "conv_operator_norm");
            ArgumentChecks.Positive(iterations, nameof(iterations));
            // The adjoint comes from autograd: under a caller's no_grad, libtorch would end the process instead of throwing.
            using var grad = torch.enable_grad();
            using var scope = torch.NewDisposeScope();
            var w = weight.detach().to_type(ScalarType.Float64);
            var x = torch.randn(new[] { 1, channels }.Concat(spatial).ToArray(), dtype: ScalarType.Float64, device: w.device, generator: generator);
            double sigma = 0;
            for (int i = 0; i < iterations; i++)
            {
                using var step = torch.NewDisposeScope();
                using (torch.no_grad()) x.div_(x.norm().clamp_min(ScalarCache.Of(1e-300)));
                var xi = x.detach().requires_grad_(true);
                var y = Apply(xi, w, null);
                var adjoint = torch.autograd.grad(new[] { y }, new[] { xi }, new[] { y.detach() })[0];
                sigma = Math.Sqrt(Math.Max(adjoint.mul(xi.detach()).sum().item<double>(), 0));
                x = adjoint.detach().MoveToOuterDisposeScope();
            }
            return sigma;
        }
    }
}
