using System;
using System.Linq;
using TorchLip.Normalizers;
using TorchLip.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// The one place every consumer (<see cref="Sequential"/>, certificates, singular values, export) asks a module what
    /// its map is bounded by: a TorchLip layer answers for itself (<see cref="LipschitzModule.lipschitz_constant"/>); a
    /// plain TorchSharp module whose map is known gets a rigorous bound computed from its settings and current weights;
    /// anything else is unbounded (+∞).
    /// </summary>
    /// <remarks>
    /// Plain modules: reshapes (<c>Flatten</c>, <c>Unflatten</c>, <c>Identity</c>, pixel (un)shuffle, zero padding) and
    /// 1-Lipschitz activations (<c>ReLU</c>, <c>ReLU6</c>, <c>Tanh</c>, <c>Softmax</c>; <c>Sigmoid</c> 1/4; <c>LeakyReLU</c>
    /// max(1, |slope|)) by their constant; max and L2 pooling by √ of the largest number of windows reading one sample
    /// (|max a − max b| ≤ ‖a − b‖ per window); average pooling likewise times √(window)/divisor; <c>nn.Linear</c>,
    /// <c>nn.Conv1d/2d</c>, <c>nn.ConvTranspose1d/2d</c> and <see cref="PadConv"/> by their operator's gain times a
    /// float64 certificate of their kernel's spectral norm; a plain <c>nn.Sequential</c> by the product of its children's.
    /// </remarks>
    public static class LipschitzBounds
    {
        /// <summary>A rigorous bound of <paramref name="module"/>'s map in L2 (+∞ when none is known).</summary>
        /// <param name="module">Any module.</param>
        public static double Map(nn.Module module)
        {
            ArgumentNullException.ThrowIfNull(module);
            return module switch
            {
                LipschitzModule lm => lm.lipschitz_constant,
                PadConv pad => pad.lipschitz_bound,
                TorchSharp.Modules.Sequential seq => seq.children().Aggregate(1.0, (p, c) => p * Map(c)),
                _ => PlainModules.Bound(module),
            };
        }

        /// <summary>A rigorous bound of each output coordinate of <paramref name="module"/> on its own (at most <see cref="Map"/>).</summary>
        /// <param name="module">Any module.</param>
        public static double Output(nn.Module module) => module is LipschitzModule lm ? lm.output_lipschitz_constant : Map(module);

        /// <summary>
        /// The weight a module applies as a matrix (shape[0], −1) and the factor between its spectral norm and the module's
        /// map (1 for a linear layer, the operator's gain for a convolution); null for a module without such a weight.
        /// </summary>
        /// <param name="module">Any module.</param>
        public static (Tensor Matrix, double Gain)? AppliedWeight(nn.Module module) => module switch
        {
            ConstrainedModule c => (c.effective_weight(), c.operator_gain),
            PadConv pad => (pad.weight, pad.conv_operator.Gain),
            Linear l => (l.weight!, 1.0),
            Convolution conv => (conv.weight!, PlainModules.Operator(conv).Gain),
            _ => null,
        };

        /// <summary>PyTorch-style description of any module (TorchLip layers describe themselves).</summary>
        /// <param name="module">The module.</param>
        public static string Describe(nn.Module module) => module switch
        {
            LipschitzModule or PadConv => module.ToString()!,
            Flatten f => $"Flatten(start_dim={f.start_dim}, end_dim={f.end_dim})",
            Linear l => $"Linear(in_features={l.in_features}, out_features={l.out_features}, bias={Internal.PythonRepr.Bool(l.bias is not null)})",
            _ => module.GetName() + "()",
        };

        /// <summary>
        /// A plain TorchSharp module computing what <paramref name="module"/> computes in eval mode, owning its state: a
        /// TorchLip layer's <see cref="LipschitzModule.vanilla_export"/>, a copy of a plain linear or convolution layer, a
        /// new instance of a stateless module it knows (reshapes, activations, pooling: disposing the export then never
        /// disposes a module of the source), or, for another module without parameters or buffers, the module itself.
        /// </summary>
        /// <param name="name">The module's name in its container (for the error).</param>
        /// <param name="module">The module.</param>
        /// <exception cref="NotSupportedException">A stateful module this method cannot copy.</exception>
        public static nn.Module<Tensor, Tensor> Export(string name, nn.Module<Tensor, Tensor> module)
        {
            switch (module)
            {
                case LipschitzModule lm:
                    return lm.vanilla_export();
                case PadConv pad:
                    return PlainConv.Create(pad.conv_operator, pad.in_channels, pad.out_channels, pad.weight, pad.bias);
                case Linear linear:
                {
                    var copy = nn.Linear(linear.in_features, linear.out_features, hasBias: linear.bias is not null, dtype: linear.weight!.dtype, device: linear.weight.device);
                    using (torch.no_grad())
                    {
                        copy.weight!.copy_(linear.weight);
                        if (linear.bias is not null) copy.bias!.copy_(linear.bias);
                    }
                    return copy;
                }
                case Convolution conv when PlainModules.TryOperator(conv, out var op):
                    return PlainConv.Create(op!, conv.in_channels, conv.out_channels, conv.weight!, conv.bias);
                default:
                    if (PlainModules.Fresh(module) is { } fresh) return fresh;
                    if (!module.parameters().Any() && !module.buffers().Any()) return module;
                    throw new NotSupportedException(
                        $"vanilla_export: layer ({name}) {Describe(module)} holds parameters or buffers and is neither a TorchLip layer nor a plain linear or convolution layer, " +
                        "so it cannot be copied into an export that owns its state. Export the model without it, or replace it by a TorchLip layer.");
            }
        }
    }

    /// <summary>Bounds of plain TorchSharp modules (see <see cref="LipschitzBounds"/>).</summary>
    internal static class PlainModules
    {
        /// <summary>A new instance with the same settings of a stateless module this class knows, else null.</summary>
        public static nn.Module<Tensor, Tensor>? Fresh(nn.Module module) => module switch
        {
            Flatten f => nn.Flatten(f.start_dim, f.end_dim),
            Identity => nn.Identity(),
            ReLU => nn.ReLU(),
            ReLU6 => nn.ReLU6(),
            Tanh => nn.Tanh(),
            Sigmoid => nn.Sigmoid(),
            LeakyReLU leaky => nn.LeakyReLU(leaky.negative_slope),
            PixelShuffle shuffle => nn.PixelShuffle(shuffle.upscale_factor),
            PixelUnshuffle unshuffle => nn.PixelUnshuffle(unshuffle.downscale_factor),
            MaxPool2d max => nn.MaxPool2d(max.kernel_size, max.stride, max.padding, max.dilation, max.ceil_mode),
            AvgPool2d avg => nn.AvgPool2d(avg.kernel_size, avg.stride, avg.padding, avg.ceil_mode, avg.count_include_pad, avg.divisor_override),
            LPPool2d lp => nn.LPPool2d(lp.norm_type, lp.kernel_size, lp.stride, lp.ceil_mode),
            _ => null,
        };

        public static double Bound(nn.Module module) => Explain(module, null)?.Bound ?? double.PositiveInfinity;

        /// <summary>
        /// The bound of a plain module and how it was obtained, or null for a module this class does not know. A bound of
        /// +∞ comes with the reason (a mode or setting whose map is not analysed). <paramref name="inputShape"/>, one
        /// sample's shape (C, ...) when known, makes the bounds of convolutions and adaptive pooling exact for that size.
        /// </summary>
        public static (double Bound, string How)? Explain(nn.Module module, long[]? inputShape) => module switch
        {
            Flatten or Unflatten or Identity or PixelShuffle or PixelUnshuffle or ZeroPad2d => (1.0, "reshape or zero padding: an isometry or less"),
            ReLU or ReLU6 or Tanh or Hardtanh or Softsign or Softplus or CELU or LogSigmoid => (1.0, "activation with slope in [0, 1]"),
            Softmax => (1.0, "softmax: its Jacobian diag(p) − ppᵀ has norm ≤ 1"),
            Sigmoid => (0.25, "sigmoid: slope ≤ 1/4"),
            Hardsigmoid => (1.0 / 6, "hardsigmoid: slope ≤ 1/6"),
            Hardswish => (1.5, "hardswish: slope (2x + 3)/6 ≤ 3/2 on [−3, 3], 0 or 1 elsewhere"),
            LeakyReLU leaky => (Math.Max(1.0, Math.Abs(leaky.negative_slope)), "max(1, |negative_slope|)"),
            ELU elu => (Math.Max(1.0, Math.Abs(elu.alpha)), "ELU: slope α·eˣ ≤ |α| below 0, 1 above: max(1, |α|)"),
            PReLU prelu => (Math.Max(1.0, prelu.weight!.detach().abs().max().to_type(ScalarType.Float64).item<double>()), "max(1, max |weight|)"),
            // GELU's slope Φ(x) + xφ(x) has its critical points at ±√2 (its derivative is φ(x)(2 − x²)), so it lies in
            // [−0.1290, Φ(√2) + √2·φ(√2) = 1.12890]. PyTorch's tanh approximation has no such closed form: refused.
            GELU gelu when gelu.approximate == TorchSharp.Modules.GELU.Approximate.none => (1.129, "GELU: max slope Φ(√2) + √2·φ(√2) = 1.12890 < 1.129"),
            GELU => (double.PositiveInfinity, "GELU with approximate='tanh' has no proven constant here; use approximate='none'"),
            // SiLU's slope σ(x)(1 + xσ(−x)) is stationary where x·tanh(x/2) = 2, at ±x* with x* < 2.4 (2.4·tanh 1.2 > 2, and
            // x·tanh(x/2) increases), and there equals (2 ± x*)/4: it lies in (−0.1, 1.1).
            SiLU => (1.1, "SiLU: max slope (2 + x*)/4 with x*·tanh(x*/2) = 2, x* < 2.4"),
            Dropout or Dropout1d or Dropout2d or Dropout3d when !module.training => (1.0, "dropout in eval mode: identity"),
            Dropout drop => (1 / (1 - drop.p), "dropout in train mode: a mask times 1/(1 − p)"),
            Dropout1d drop => (1 / (1 - drop.p), "dropout in train mode: a mask times 1/(1 − p)"),
            Dropout2d drop => (1 / (1 - drop.p), "dropout in train mode: a mask times 1/(1 − p)"),
            Dropout3d drop => (1 / (1 - drop.p), "dropout in train mode: a mask times 1/(1 − p)"),
            BatchNorm batch => BatchNormBound(batch),
            MaxPool2d max => (Math.Sqrt(Reads(max.kernel_size, max.stride ?? max.kernel_size, max.dilation, max.padding, max.ceil_mode)), "max pooling: √(most windows reading one sample)"),
            MaxPool1d max => (Math.Sqrt(Reads(new[] { max.kernel_size }, new[] { max.stride ?? max.kernel_size }, max.dilation is long d1 ? new[] { d1 } : null, max.padding is long p1 ? new[] { p1 } : null, max.ceil_mode)), "max pooling: √(most windows reading one sample)"),
            LPPool2d lp when lp.norm_type >= 1 => (LpPoolBound(lp), "Lp pooling: √(most windows reading one sample) × the window's norm ratio"),
            AvgPool2d avg => (AveragePoolBound(avg.kernel_size, avg.stride ?? avg.kernel_size, avg.padding, avg.ceil_mode, avg.count_include_pad, avg.divisor_override), "average pooling: √(most windows reading one sample) × √window / smallest divisor"),
            AvgPool1d avg => (AveragePoolBound(new[] { avg.kernel_size }, new[] { avg.stride ?? avg.kernel_size }, avg.padding is long p ? new[] { p } : null, avg.ceil_mode, avg.count_include_pad, null), "average pooling: √(most windows reading one sample) × √window / smallest divisor"),
            AdaptiveAvgPool1d adaptive => AdaptiveBound(new[] { adaptive.output_size }, inputShape, average: true),
            AdaptiveAvgPool2d adaptive => AdaptiveBound(adaptive.output_size, inputShape, average: true),
            AdaptiveMaxPool1d adaptive => AdaptiveBound(new[] { adaptive.output_size }, inputShape, average: false),
            AdaptiveMaxPool2d adaptive => AdaptiveBound(adaptive.output_size, inputShape, average: false),
            Linear l => (SpectralCertificate.UpperBound(l.weight!), "float64 certificate of σ_max(weight), rounding included"),
            Convolution conv when TryOperator(conv, out var op) => ConvolutionBound(conv, op!, inputShape),
            Convolution => (double.PositiveInfinity, "a convolution with \"same\" padding set at run time or an unknown padding mode is not analysed; give explicit padding"),
            _ => null,
        };

        // y = γ(x − μ)/√(σ² + ε) + β per channel: a diagonal map whose largest |entry| is its constant, computed in float64
        // from the stored float parameters (the constant of the map in exact arithmetic, like every bound here).
        private static (double, string) BatchNormBound(BatchNorm batch)
        {
            if (batch.training)
                return (double.PositiveInfinity, $"{batch.GetName()} is in train mode, where it normalizes by the batch's own statistics (not a fixed map); call model.eval() first");
            if (!batch.track_running_stats || batch.running_var is null)
                return (double.PositiveInfinity, $"{batch.GetName()} has no running statistics (track_running_stats=false), so it normalizes by each batch's statistics even in eval mode");
            using var scope = torch.NewDisposeScope();
            using var eps = batch.eps.ToScalar();
            using var one = 1.0.ToScalar();
            var scale = torch.rsqrt(batch.running_var.detach().to_type(ScalarType.Float64).add(eps, one));
            if (batch.affine && batch.weight is not null) scale = scale.mul(batch.weight.detach().to_type(ScalarType.Float64).abs());
            return (scale.max().item<double>(), "max over channels of |γ| / √(running_var + eps)");
        }

        private static (double, string) ConvolutionBound(Convolution conv, ConvOperator op, long[]? inputShape)
        {
            double kernel = SpectralCertificate.UpperBound(conv.weight!);
            if (inputShape is not null && inputShape.Length == op.Dims + 1)
            {
                double gain = op.ReadGain(inputShape.Skip(1).ToArray());
                return (gain * kernel, FormattableString.Invariant($"√(most reads of one sample) {gain:G6} for input ({string.Join(", ", inputShape)}) × float64 certificate of σ_max(kernel) {kernel:G6}"));
            }
            return (op.Gain * kernel, FormattableString.Invariant($"√(most reads of one sample) {op.Gain:G6} for inputs of at least ({string.Join(", ", op.MinInput)}) × float64 certificate of σ_max(kernel) {kernel:G6}"));
        }

        // Adaptive pooling's windows along an axis of length n are [⌊i·n/o⌋, ⌈(i + 1)·n/o⌉). A window's mean moves by at most
        // √(Σ Δ²/m) and its max by at most the window's norm, so ‖Δy‖² ≤ Σ_j Δx_j² · c_j with c_j the sum over the windows
        // reading sample j of 1/m (average) or 1 (max); on a grid c_j is the product of the axes'. Without the input's size,
        // a sample is read by at most o windows per axis, each of weight ≤ 1.
        private static (double, string) AdaptiveBound(long[] outputSize, long[]? inputShape, bool average)
        {
            int dims = outputSize.Length;
            string kind = average ? "adaptive average pooling" : "adaptive max pooling";
            if (inputShape is null || inputShape.Length != dims + 1)
                return (Math.Sqrt(outputSize.Aggregate(1.0, (p, o) => p * o)), $"{kind}: √(output size), the most windows that can read one sample");
            double product = 1;
            for (int axis = 0; axis < dims; axis++)
            {
                long n = inputShape[axis + 1], o = outputSize[axis];
                var weight = new double[n];
                for (long i = 0; i < o; i++)
                {
                    long start = i * n / o, end = ((i + 1) * n + o - 1) / o;
                    for (long j = start; j < end; j++) weight[j] += average ? 1.0 / (end - start) : 1.0;
                }
                product *= weight.Max();
            }
            return (Math.Sqrt(product), $"{kind}: √(largest sum over the windows reading one sample of {(average ? "1/window" : "1")}) for input ({string.Join(", ", inputShape)})");
        }

        public static ConvOperator Operator(Convolution conv) =>
            TryOperator(conv, out var op) ? op! : throw new NotSupportedException($"{conv.GetName()}: a convolution with \"same\" padding set by PyTorch's rule at run time is not analysed; give explicit padding.");

        public static bool TryOperator(Convolution conv, out ConvOperator? op)
        {
            op = null;
            var k = conv.kernel_size;
            if (k.Length is < 1 or > 2) return false;
            var mode = conv.padding_mode switch
            {
                TorchSharp.PaddingModes.Reflect => PaddingMode.Reflect,
                TorchSharp.PaddingModes.Replicate => PaddingMode.Replicate,
                TorchSharp.PaddingModes.Circular => PaddingMode.Circular,
                TorchSharp.PaddingModes.Zeros => PaddingMode.Zeros,
                _ => (PaddingMode?)null,
            };
            if (mode is null) return false;
            var stride = Fill(conv.stride, k.Length, 1);
            var dilation = Fill(conv.dilation, k.Length, 1);
            ConvAxis[] axes;
            if (conv.padding_type == Padding.Same)
                axes = k.Select((kk, i) => new ConvAxis(kk, stride[i], dilation[i], dilation[i] * (kk - 1) / 2, dilation[i] * (kk - 1) - dilation[i] * (kk - 1) / 2, mode.Value)).ToArray();
            else
            {
                var padding = conv.padding_type == Padding.Valid ? new long[k.Length] : Fill(conv.padding, k.Length, 0);
                axes = k.Select((kk, i) => new ConvAxis(kk, stride[i], dilation[i], padding[i], padding[i], mode.Value)).ToArray();
            }
            op = new ConvOperator(axes, conv.groups, conv.transposed, conv.transposed ? Fill(conv.output_padding, k.Length, 0) : null);
            return true;
        }

        private static long[] Fill(long[]? values, int dims, long fallback) =>
            values is null || values.Length == 0 ? Enumerable.Repeat(fallback, dims).ToArray()
            : values.Length == 1 ? Enumerable.Repeat(values[0], dims).ToArray() : values;

        private static double Reads(long[] kernel, long[] stride, long[]? dilation, long[]? padding, bool ceilMode = false)
        {
            int dims = kernel.Length;
            var s = Fill(stride, dims, 1);
            var d = Fill(dilation, dims, 1);
            var p = Fill(padding, dims, 0);
            // Pooling pads with values that are never selected (−∞ for max): the padded positions read no sample. ceil_mode
            // adds at most the windows that stride − 1 more padding after the end would give.
            return Enumerable.Range(0, dims).Aggregate(1.0, (product, i) => product * new ConvAxis(kernel[i], s[i], d[i], p[i], p[i] + (ceilMode ? s[i] - 1 : 0), PaddingMode.Zeros).MaxReadsAnyLength());
        }

        // ‖·‖_p ≤ ‖·‖₂ for p ≥ 2 and ≤ n^(1/p − 1/2)‖·‖₂ below; libtorch computes a partial window's (ceil_mode) sum as
        // its average times the full window, (window/m)^(1/p) too steep for m samples: at most window^(1/p).
        private static double LpPoolBound(LPPool2d lp)
        {
            double window = lp.kernel_size.Aggregate(1.0, (p, k) => p * k);
            double perWindow = lp.norm_type >= 2 ? 1 : Math.Pow(window, 1 / lp.norm_type - 0.5);
            double partial = lp.ceil_mode ? Math.Pow(window, 1 / lp.norm_type) : 1;
            return Math.Sqrt(Reads(lp.kernel_size, lp.stride ?? lp.kernel_size, null, null, lp.ceil_mode)) * perWindow * partial;
        }

        private static double AveragePoolBound(long[] k, long[] stride, long[]? padding, bool ceilMode, bool countIncludePad, long? divisorOverride)
        {
            double window = k.Aggregate(1.0, (p, v) => p * v);
            // The smallest divisor any output can have: the override, the full window, or a clipped window (a single sample).
            double divisor = divisorOverride is long d ? d : countIncludePad && !ceilMode ? window : 1;
            return Math.Sqrt(Reads(k, stride, null, padding, ceilMode)) * Math.Sqrt(window) / divisor;
        }
    }
}
