using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Modules;
using TorchLip.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchLip.Onnx.GraphBuilder;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Writes one module's computation as ONNX nodes. Each layer is also run on a probe (one zero sample of the real
    /// shape) so that the shapes the nodes need (padding source indices, reshapes, global pool areas) are known.
    /// </summary>
    internal static class LayerTranslator
    {
        /// <summary>The layers the export writes, for the unsupported-module error and the documentation.</summary>
        public const string SupportedList =
            "nn.Sequential and TorchLip Sequential (nested too), SpectralLinear, FrobeniusLinear, SpectralConv1d, SpectralConv2d, FrobeniusConv2d, " +
            "SpectralConvTranspose2d (through their vanilla_export), nn.Linear, nn.Conv1d, nn.Conv2d, PadConv1d, PadConv2d, nn.Flatten, nn.Identity, " +
            "FullSort, GroupSort, GroupSort2, MaxMin, LPReLU, nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, ScaledAvgPool2d, " +
            "ScaledL2NormPool2d, ScaledAdaptiveAvgPool2d, ScaledAdaptativeL2NormPool2d, nn.AvgPool2d, nn.MaxPool2d, nn.LPPool2d (p = 2), nn.BatchNorm1d/2d (eval mode), " +
            "InvertibleDownSampling, InvertibleUpSampling, nn.PixelUnshuffle, nn.PixelShuffle";

        /// <summary>Emits <paramref name="module"/> applied to value <paramref name="x"/>; returns the output value and probe.</summary>
        /// <param name="g">The graph.</param>
        /// <param name="path">The module's path in the model (for errors).</param>
        /// <param name="module">The module.</param>
        /// <param name="x">The input value's name.</param>
        /// <param name="probe">A zero input of the real shape with batch 1.</param>
        public static (string Output, Tensor Probe) Emit(GraphBuilder g, string path, nn.Module<Tensor, Tensor> module, string x, Tensor probe)
        {
            switch (module)
            {
                case Modules.Sequential lipschitz:
                    foreach (var (name, child) in lipschitz.layers) (x, probe) = Emit(g, Join(path, name), child, x, probe);
                    return (x, probe);
                case TorchSharp.Modules.Sequential plain:
                    foreach (var (name, child) in plain.named_children())
                        (x, probe) = Emit(g, Join(path, name), (nn.Module<Tensor, Tensor>)child, x, probe);
                    return (x, probe);
                case ConstrainedModule constrained:
                {
                    // The plain module it exports to (a new nn.Linear, nn.Conv or PadConv with the eval weight).
                    using var export = constrained.vanilla_export();
                    return Emit(g, path, export, x, probe);
                }
            }
            var output = module.call(probe);
            return (EmitLeaf(g, path, module, x, probe, output), output);
        }

        private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

        private static string EmitLeaf(GraphBuilder g, string path, nn.Module<Tensor, Tensor> module, string x, Tensor probe, Tensor output)
        {
            var inShape = probe.shape;
            switch (module)
            {
                case Linear linear:
                    return EmitLinear(g, linear, x, inShape.Length);
                case PadConv pad:
                    return pad.conv_operator.Transposed
                        ? EmitTransposed(g, pad, x)
                        : EmitConv(g, pad.conv_operator.Axes, pad.conv_operator.Groups, pad.weight, pad.bias, x, inShape);
                case Convolution conv when !conv.transposed:
                    return EmitConv(g, ConvGeometry.Axes(conv), conv.groups, conv.weight!, conv.bias, x, inShape);
                case Flatten flatten:
                    if (Dim(flatten.start_dim, inShape.Length) == 0)
                        throw new NotSupportedException($"OnnxExport: layer ({path}) Flatten(start_dim=0) merges the batch dimension; only flattens from dimension 1 on are exported.");
                    return Reshape(g, x, output.shape);
                case Identity:
                    return g.Node("Identity", new[] { x });
                case ReLU:
                    return g.Node("Relu", new[] { x });
                case ReLU6:
                    return g.Node("Clip", new[] { x, g.Scalar("zero", 0f), g.Scalar("six", 6f) });
                case Tanh:
                    return g.Node("Tanh", new[] { x });
                case Sigmoid:
                    return g.Node("Sigmoid", new[] { x });
                case LeakyReLU leaky:
                    return g.Node("LeakyRelu", new[] { x }, Float("alpha", (float)leaky.negative_slope));
                case GroupSort sort:
                    return Scale(g, GroupSortValues(g, x, inShape, sort.group_size), sort.scale_factor);
                case FullSort full:
                    return Scale(g, GroupSortValues(g, x, inShape, null), full.scale_factor);
                case GroupSort2 pairs:
                    return Scale(g, GroupSortValues(g, x, inShape, 2), pairs.scale_factor);
                case MaxMin maxMin:
                {
                    int d = maxMin.dim is int md ? Dim(md, inShape.Length) : inShape.Length == 1 ? 0 : 1;
                    var positive = g.Node("Relu", new[] { x });
                    var negative = g.Node("Relu", new[] { g.Node("Neg", new[] { x }) });
                    return Scale(g, g.Node("Concat", new[] { positive, negative }, Int("axis", d)), maxMin.scale_factor);
                }
                case LPReLU prelu:
                    return EmitLPReLU(g, prelu, x, inShape.Length);
                case ScaledAvgPool2d avg:
                {
                    var k = avg.kernel_size.ToArray();
                    var pooled = g.Node("AveragePool", new[] { PadToTiles(g, x, inShape, k) }, Ints("kernel_shape", k), Ints("strides", k));
                    // AveragePool divides each full window's sum by kh·kw; the layer multiplies the sum by k/√(kh·kw).
                    return Scale(g, pooled, avg.scale_factor * Math.Sqrt(avg.kernel_size.Area));
                }
                case ScaledL2NormPool2d l2:
                {
                    var k = l2.kernel_size.ToArray();
                    var pooled = g.Node("LpPool", new[] { PadToTiles(g, x, inShape, k) }, Ints("kernel_shape", k), Ints("strides", k), Int("p", 2));
                    return Scale(g, pooled, l2.scale_factor);
                }
                case ScaledAdaptiveAvgPool2d global:
                {
                    var sum = g.Node("ReduceSum", new[] { x, g.Int64Vector("axes", 2, 3) }, Int("keepdims", 1));
                    return Scale(g, sum, global.scale_factor / Math.Sqrt(inShape[2] * inShape[3]));
                }
                case ScaledAdaptativeL2NormPool2d globalL2:
                    return Scale(g, g.Node("ReduceL2", new[] { x }, Ints("axes", new long[] { 2, 3 }), Int("keepdims", 1)), globalL2.scale_factor);
                case AvgPool2d avg:
                    return EmitAvgPool(g, path, avg, x);
                case MaxPool2d max:
                {
                    if (max.ceil_mode)
                        throw new NotSupportedException($"OnnxExport: layer ({path}) MaxPool2d with ceil_mode=True is not exported; use ceil_mode=False.");
                    var k = max.kernel_size;
                    var p = Pair(max.padding, 0);
                    return g.Node("MaxPool", new[] { x }, Ints("kernel_shape", k), Ints("strides", Pair(max.stride ?? k, 1)),
                        Ints("pads", p.Concat(p)), Ints("dilations", Pair(max.dilation, 1)));
                }
                case BatchNorm batch:
                    return EmitBatchNorm(g, path, batch, x);
                case LPPool2d lp:
                {
                    if (lp.norm_type != 2 || lp.ceil_mode)
                        throw new NotSupportedException($"OnnxExport: layer ({path}) LPPool2d(norm_type={lp.norm_type}, ceil_mode={lp.ceil_mode}) is not exported; only norm_type 2 without ceil_mode is.");
                    var k = lp.kernel_size;
                    return g.Node("LpPool", new[] { x }, Ints("kernel_shape", k), Ints("strides", Pair(lp.stride ?? k, 1)), Int("p", 2));
                }
                case InvertibleDownSampling down:
                    return Scale(g, Unshuffle(g, x, inShape, down.kernel_size), down.scale_factor);
                case InvertibleUpSampling up:
                    return Scale(g, Shuffle(g, x, inShape, up.kernel_size), up.scale_factor);
                case PixelUnshuffle unshuffle:
                    return Unshuffle(g, x, inShape, unshuffle.downscale_factor);
                case PixelShuffle shuffle:
                    return Shuffle(g, x, inShape, shuffle.upscale_factor);
                default:
                    throw new NotSupportedException(
                        $"OnnxExport: layer ({(path.Length == 0 ? "model" : path)}) {LipschitzBounds.Describe(module)} of type {module.GetType().FullName} has no ONNX translation. " +
                        $"Supported: {SupportedList}. Replace the layer by a supported one, or export the model without it.");
            }
        }

        private static int Dim(long dim, int rank) => (int)(dim < 0 ? dim + rank : dim);

        private static long[] Pair(long[]? values, long fallback) =>
            values is null || values.Length == 0 ? new[] { fallback, fallback } : values.Length == 1 ? new[] { values[0], values[0] } : values;

        // k·x as a Mul by a float32 constant; no node when k = 1.
        private static string Scale(GraphBuilder g, string x, double k) => k == 1.0 ? x : g.Node("Mul", new[] { x, g.Scalar("scale", (float)k) });

        // The batch dimension stays dynamic: 0 copies it from the input.
        private static string Reshape(GraphBuilder g, string x, long[] shape) =>
            g.Node("Reshape", new[] { x, g.Int64Vector("shape", new long[] { 0 }.Concat(shape.Skip(1)).ToArray()) });

        private static float[] Values(Tensor t)
        {
            using var copy = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
            return copy.data<float>().ToArray();
        }

        private static string Constant(GraphBuilder g, string stem, Tensor t) => g.Floats(stem, Values(t), t.shape);

        private static string EmitLinear(GraphBuilder g, Linear linear, string x, int rank)
        {
            var w = Constant(g, "weight", linear.weight!);
            if (rank == 2)
            {
                var inputs = new List<string> { x, w };
                if (linear.bias is not null) inputs.Add(Constant(g, "bias", linear.bias));
                return g.Node("Gemm", inputs, Int("transB", 1));
            }
            using var transposed = linear.weight!.detach().t();
            var y = g.Node("MatMul", new[] { x, Constant(g, "weight_t", transposed) });
            return linear.bias is null ? y : g.Node("Add", new[] { y, Constant(g, "bias", linear.bias) });
        }

        // Borders other than zeros are gathered through the same source map the layer pads with; zeros go to Conv's pads.
        private static string EmitConv(GraphBuilder g, ConvAxis[] axes, long groups, Tensor weight, Tensor? bias, string x, long[] inShape)
        {
            int dims = axes.Length;
            var pads = new long[2 * dims];
            for (int i = 0; i < dims; i++)
            {
                var a = axes[i];
                if (a.PadBefore == 0 && a.PadAfter == 0) continue;
                if (a.Mode == PaddingMode.Zeros)
                {
                    pads[i] = a.PadBefore;
                    pads[dims + i] = a.PadAfter;
                }
                else x = g.Node("Gather", new[] { x, g.Int64Vector("border", a.Sources(inShape[2 + i])) }, Int("axis", 2 + i));
            }
            var inputs = new List<string> { x, Constant(g, "kernel", weight) };
            if (bias is not null) inputs.Add(Constant(g, "bias", bias));
            return g.Node("Conv", inputs,
                Ints("kernel_shape", axes.Select(a => a.Kernel)), Ints("strides", axes.Select(a => a.Stride)),
                Ints("dilations", axes.Select(a => a.Dilation)), Ints("pads", pads), Int("group", groups));
        }

        private static string EmitTransposed(GraphBuilder g, PadConv pad, string x)
        {
            var op = pad.conv_operator;
            if (op.Axes.Any(a => a.Mode != PaddingMode.Zeros))
                throw new NotSupportedException($"OnnxExport: {pad} is a transposed convolution with a non-zero border, which is not exported.");
            var inputs = new List<string> { x, Constant(g, "kernel", pad.weight) };
            if (pad.bias is not null) inputs.Add(Constant(g, "bias", pad.bias));
            return g.Node("ConvTranspose", inputs,
                Ints("kernel_shape", op.Axes.Select(a => a.Kernel)), Ints("strides", op.Axes.Select(a => a.Stride)),
                Ints("dilations", op.Axes.Select(a => a.Dilation)),
                Ints("pads", op.Axes.Select(a => a.PadBefore).Concat(op.Axes.Select(a => a.PadAfter))),
                Ints("output_padding", op.OutputPadding), Int("group", op.Groups));
        }

        // Ascending sort within groups of g consecutive channels (dimension 1), as torchlip.group_sort: TopK with
        // largest = 0 returns its values in ascending order.
        private static string GroupSortValues(GraphBuilder g, string x, long[] inShape, int? groupSize)
        {
            long channels = inShape[1];
            long size = groupSize is int gs && gs < channels ? gs : channels;
            var topK = new[] { Int("axis", 1), Int("largest", 0), Int("sorted", 1) };
            if (size == channels)
                return g.NodeWithOutputs("TopK", new[] { x, g.Int64Vector("k", size) }, 2, topK)[0];
            var grouped = new long[] { 0, channels / size, size }.Concat(inShape.Skip(2)).ToArray();
            var view = g.Node("Reshape", new[] { x, g.Int64Vector("groups", grouped) });
            var sorted = g.NodeWithOutputs("TopK", new[] { view, g.Int64Vector("k", size) }, 2, Int("axis", 2), Int("largest", 0), Int("sorted", 1))[0];
            return Reshape(g, sorted, inShape);
        }

        private static string EmitLPReLU(GraphBuilder g, LPReLU prelu, string x, int rank)
        {
            using Scalar low = (-1.0).ToScalar(), high = 1.0.ToScalar();
            using var clamped = prelu.slopes.detach().clamp(low, high);
            long count = clamped.shape[0];
            // PRelu broadcasts its slope from the right: one slope per channel (dimension 1) needs trailing ones.
            var dims = count == 1 ? new long[] { 1 } : new[] { count }.Concat(Enumerable.Repeat(1L, Math.Max(0, rank - 2))).ToArray();
            var y = g.Node("PRelu", new[] { x, g.Floats("slope", Values(clamped), dims) });
            return Scale(g, y, prelu.scale_factor);
        }

        // Partial windows (ceil_mode) become full windows over a zero border after the last row and column.
        private static string PadToTiles(GraphBuilder g, string x, long[] inShape, long[] kernel)
        {
            long padH = (kernel[0] - inShape[2] % kernel[0]) % kernel[0], padW = (kernel[1] - inShape[3] % kernel[1]) % kernel[1];
            if (padH == 0 && padW == 0) return x;
            return g.Node("Pad", new[] { x, g.Int64Vector("pads", 0, 0, 0, 0, 0, 0, padH, padW) }, String("mode", "constant"));
        }

        // Inference-form BatchNormalization: the running statistics, not the batch's own.
        private static string EmitBatchNorm(GraphBuilder g, string path, BatchNorm batch, string x)
        {
            if (batch.training || batch.running_mean is null || batch.running_var is null)
                throw new NotSupportedException($"OnnxExport: layer ({path}) {batch.GetName()} is in train mode or has no running statistics; call model.eval() on a model with track_running_stats=True first.");
            long c = batch.running_mean.shape[0];
            var scale = batch.weight is null ? Enumerable.Repeat(1f, (int)c).ToArray() : Values(batch.weight);
            var shift = batch.bias is null ? new float[c] : Values(batch.bias);
            return g.Node("BatchNormalization", new[] { x, g.Floats("bn_scale", scale, c), g.Floats("bn_bias", shift, c), Constant(g, "bn_mean", batch.running_mean), Constant(g, "bn_var", batch.running_var) },
                Float("epsilon", (float)batch.eps));
        }

        private static string EmitAvgPool(GraphBuilder g, string path, AvgPool2d avg, string x)
        {
            if (avg.ceil_mode || avg.divisor_override is not null)
                throw new NotSupportedException($"OnnxExport: layer ({path}) AvgPool2d with ceil_mode=True or a divisor_override is not exported; use ScaledAvgPool2d, or the defaults.");
            var k = avg.kernel_size;
            var p = Pair(avg.padding, 0);
            return g.Node("AveragePool", new[] { x }, Ints("kernel_shape", k), Ints("strides", Pair(avg.stride ?? k, 1)),
                Ints("pads", p.Concat(p)), Int("count_include_pad", avg.count_include_pad ? 1 : 0));
        }

        // PixelUnshuffle: (N, C, H·r, W·r) → (N, C·r², H, W), channel c·r² + i·r + j from row h·r + i, column w·r + j
        // (ONNX SpaceToDepth orders the channels (i, j, c) instead, so it is not used).
        private static string Unshuffle(GraphBuilder g, string x, long[] s, long r)
        {
            var split = g.Node("Reshape", new[] { x, g.Int64Vector("shape", 0, s[1], s[2] / r, r, s[3] / r, r) });
            var moved = g.Node("Transpose", new[] { split }, Ints("perm", new long[] { 0, 1, 3, 5, 2, 4 }));
            return g.Node("Reshape", new[] { moved, g.Int64Vector("shape", 0, s[1] * r * r, s[2] / r, s[3] / r) });
        }

        // PixelShuffle, the inverse map (DepthToSpace in CRD mode computes the same; written out like its inverse).
        private static string Shuffle(GraphBuilder g, string x, long[] s, long r)
        {
            var split = g.Node("Reshape", new[] { x, g.Int64Vector("shape", 0, s[1] / (r * r), r, r, s[2], s[3]) });
            var moved = g.Node("Transpose", new[] { split }, Ints("perm", new long[] { 0, 1, 4, 2, 5, 3 }));
            return g.Node("Reshape", new[] { moved, g.Int64Vector("shape", 0, s[1] / (r * r), s[2] * r, s[3] * r) });
        }
    }
}
