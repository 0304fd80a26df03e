using System;
using System.Linq;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using static TorchLip.Onnx.OnnxValues;

namespace TorchLip.Onnx
{
    /// <summary>One ONNX node of a chain as the plain TorchSharp module computing the same map (null: the node is skipped).</summary>
    internal static class NodeTranslator
    {
        /// <summary>The operators the importer reads, for its errors and documentation.</summary>
        public const string SupportedList =
            "Gemm (transA = 0), MatMul (+ Add of a bias), Conv (1-D and 2-D, symmetric pads), Relu, LeakyRelu, Elu, Celu, Sigmoid, Tanh, " +
            "Softplus, Softsign, HardSigmoid (PyTorch's 1/6 slope), HardSwish, Clip, Softmax, Flatten (axis 1), Reshape (flattening or " +
            "splitting dimensions after the batch), MaxPool, AveragePool, LpPool (2-D), GlobalAveragePool, GlobalMaxPool, " +
            "BatchNormalization (inference), DepthToSpace (CRD), Identity, Dropout, Constant";

        /// <summary>The module for <paramref name="node"/>, or null for a node that computes the identity.</summary>
        public static nn.Module<Tensor, Tensor>? Translate(ChainImporter c, NodeProto node, string where)
        {
            switch (node.OpType)
            {
                case "Identity":
                case "Dropout":
                    return null;
                case "Gemm": return Gemm(c, node, where);
                case "MatMul":
                {
                    var (dims, w) = Floats(c.Constant(node, 1, where), where + " weight");
                    if (dims.Length != 2) throw Unsupported(where, $"its weight has shape ({string.Join(", ", dims)}); only a 2-D weight (a linear layer) is imported");
                    return PlainLayerFactory.Linear(dims[0], dims[1], Transpose(w, dims[0], dims[1]), null);
                }
                case "Conv": return Conv(c, node, where);
                case "Relu": return nn.ReLU();
                case "LeakyRelu": return nn.LeakyReLU(Float(node, "alpha", 0.01f));
                case "Sigmoid": return nn.Sigmoid();
                case "Tanh": return nn.Tanh();
                case "Elu": return nn.ELU(Float(node, "alpha", 1f));
                case "Celu": return nn.CELU(Float(node, "alpha", 1f));
                case "Softplus": return nn.Softplus();
                case "Softsign": return nn.Softsign();
                case "HardSwish": return nn.Hardswish();
                case "HardSigmoid":
                {
                    float alpha = Float(node, "alpha", 0.2f), beta = Float(node, "beta", 0.5f);
                    if (Math.Abs(alpha - 1.0 / 6) > 1e-6 || beta != 0.5f)
                        throw Unsupported(where, $"HardSigmoid(alpha={alpha}, beta={beta}) is not PyTorch's Hardsigmoid (alpha = 1/6, beta = 0.5), the only one imported");
                    return nn.Hardsigmoid();
                }
                case "Clip": return Clip(c, node, where);
                case "Softmax":
                {
                    long axis = Int(node, "axis", c.Opset >= 13 ? -1 : 1);
                    // Before opset 13 Softmax normalized over all dimensions from axis on (the input coerced to 2-D).
                    if (c.Opset < 13 && Dim(axis, c.Rank) != c.Rank - 1)
                        throw Unsupported(where, $"opset {c.Opset} Softmax over dimensions {axis}… of a rank-{c.Rank} input is not a per-axis softmax");
                    return nn.Softmax(Dim(axis, c.Rank));
                }
                case "Flatten":
                {
                    long axis = Int(node, "axis", 1);
                    if (Dim(axis, c.Rank) != 1)
                        throw Unsupported(where, $"Flatten(axis={axis}) merges the batch dimension with others; only axis 1 (keep the batch, flatten the rest) is imported");
                    return nn.Flatten();
                }
                case "Reshape": return Reshape(c, node, where);
                case "Pad": return Pad(c, node, where);
                case "MaxPool":
                case "AveragePool":
                case "LpPool":
                    return Pool(c, node, where);
                case "GlobalAveragePool":
                    // Like ONNX's, the adaptive pool keeps the pooled dimensions (size 1).
                    return c.Rank == 3 ? nn.AdaptiveAvgPool1d(1) : c.Rank == 4 ? nn.AdaptiveAvgPool2d(new long[] { 1, 1 }) : throw Unsupported(where, $"a rank-{c.Rank} input; 1-D and 2-D pooling are imported");
                case "GlobalMaxPool":
                    return c.Rank == 3 ? nn.AdaptiveMaxPool1d(1) : c.Rank == 4 ? nn.AdaptiveMaxPool2d(new long[] { 1, 1 }) : throw Unsupported(where, $"a rank-{c.Rank} input; 1-D and 2-D pooling are imported");
                case "BatchNormalization":
                {
                    if (Int(node, "training_mode", 0) != 0)
                        throw Unsupported(where, "training_mode = 1 normalizes by each batch's own statistics, which is not a fixed map; export the model in eval mode");
                    float[] Input(int i, string name) => Floats(c.Constant(node, i, where), $"{where} {name}").Values;
                    return PlainLayerFactory.BatchNorm(c.Rank, Input(1, "scale"), Input(2, "bias"), Input(3, "mean"), Input(4, "var"), Float(node, "epsilon", 1e-5f));
                }
                case "DepthToSpace":
                    if (String(node, "mode", "DCR") != "CRD")
                        throw Unsupported(where, "DepthToSpace in DCR mode orders the channels unlike nn.PixelShuffle; only CRD mode is imported");
                    return nn.PixelShuffle(Int(node, "blocksize", 0));
                default:
                    throw new NotSupportedException($"OnnxImport: {where} has no import: {node.OpType} is not a supported operator. Supported: {SupportedList}.");
            }
        }

        /// <summary>The error for a supported operator used with settings the importer does not read.</summary>
        public static NotSupportedException Unsupported(string where, string why) => new($"OnnxImport: {where} is not imported: {why}.");

        /// <summary>A dimension index counted from the front.</summary>
        public static int Dim(long dim, int rank) => (int)(dim < 0 ? dim + rank : dim);

        private static float[] Transpose(float[] w, long rows, long cols)
        {
            var t = new float[w.Length];
            for (long i = 0; i < rows; i++)
                for (long j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
            return t;
        }

        private static nn.Module<Tensor, Tensor> Gemm(ChainImporter c, NodeProto node, string where)
        {
            if (Int(node, "transA", 0) != 0) throw Unsupported(where, "transA = 1 transposes the batch; only transA = 0 is a layer applied per sample");
            if (c.Rank != 2) throw Unsupported(where, $"Gemm takes a 2-D input; this one has rank {c.Rank}");
            var (dims, w) = Floats(c.Constant(node, 1, where), where + " weight");
            float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
            // y = alpha·x·op(B) + beta·C: with transB = 1, B is already (out × in), nn.Linear's layout.
            if (Int(node, "transB", 0) == 0) w = Transpose(w, dims[0], dims[1]);
            else dims = new[] { dims[1], dims[0] };
            long inF = dims[0], outF = dims[1];
            if (alpha != 1f) w = w.Select(v => v * alpha).ToArray();
            float[]? bias = null;
            if (c.OptionalConstant(node, 2, where) is { } cTensor)
            {
                var (_, b) = Floats(cTensor, where + " bias");
                if (b.Length == 1) b = Enumerable.Repeat(b[0], (int)outF).ToArray();
                if (b.Length != outF) throw Unsupported(where, $"its C input has {b.Length} values; a bias of {outF} (one per output) is imported");
                bias = beta == 1f ? b : b.Select(v => v * beta).ToArray();
            }
            return PlainLayerFactory.Linear(inF, outF, w, bias);
        }

        private static nn.Module<Tensor, Tensor> Conv(ChainImporter c, NodeProto node, string where)
        {
            var conv = ConvNode.Read(c, node, where);
            return PlainLayerFactory.Conv(conv.WeightDims, conv.Weight, conv.Bias, conv.Strides, conv.Pads, conv.Dilations, conv.Groups, TorchSharp.PaddingModes.Zeros);
        }

        // One symmetric padding per spatial axis (ONNX lists all the "before" pads, then all the "after" pads).
        internal static long[] Pads(NodeProto node, string where, long[] kernel, long[] strides, long[]? dilations)
        {
            int n = kernel.Length;
            string autoPad = String(node, "auto_pad", "NOTSET");
            if (autoPad == "VALID") return new long[n];
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                var spans = kernel.Select((k, i) => (dilations?[i] ?? 1) * (k - 1)).ToArray();
                if (strides.Any(s => s != 1) || spans.Any(s => s % 2 != 0))
                    throw Unsupported(where, $"auto_pad = {autoPad} pads unevenly here (stride > 1 or an even kernel); write explicit symmetric pads");
                return spans.Select(s => s / 2).ToArray();
            }
            if (autoPad != "NOTSET") throw Unsupported(where, $"auto_pad = {autoPad}");
            var pads = Ints(node, "pads") ?? new long[2 * n];
            if (pads.Length != 2 * n) throw Unsupported(where, $"pads ({string.Join(", ", pads)}) do not list two values per spatial axis");
            if (Enumerable.Range(0, n).Any(i => pads[i] != pads[n + i]))
                throw Unsupported(where, $"asymmetric pads ({string.Join(", ", pads)}: the first {n} before, the last {n} after each axis); " +
                    "TorchSharp's layers pad both sides alike, so use symmetric padding (e.g. padding=k//2 with an odd kernel) when exporting");
            return pads.Take(n).ToArray();
        }

        private static nn.Module<Tensor, Tensor> Pool(ChainImporter c, NodeProto node, string where)
        {
            var kernel = Ints(node, "kernel_shape") ?? throw Unsupported(where, "it has no kernel_shape");
            int n = kernel.Length;
            if (n is < 1 or > 2) throw Unsupported(where, $"{n}-D pooling; 1-D and 2-D pooling are imported");
            var strides = Ints(node, "strides") ?? Enumerable.Repeat(1L, n).ToArray();
            var dilations = Ints(node, "dilations") ?? Enumerable.Repeat(1L, n).ToArray();
            var pads = Pads(node, where, kernel, strides, dilations);
            bool ceil = Int(node, "ceil_mode", 0) != 0;
            switch (node.OpType)
            {
                case "MaxPool":
                    return n == 1 ? nn.MaxPool1d(kernel[0], strides[0], pads[0], dilations[0], ceil) : nn.MaxPool2d(kernel, strides, pads, dilations, ceil);
                case "AveragePool":
                {
                    if (dilations.Any(d => d != 1)) throw Unsupported(where, "dilated average pooling");
                    // Without padding both divisor rules count the window's real samples (ceil_mode's overhang included),
                    // and certify_model bounds count_include_pad = true by the full window, not by a divisor of 1.
                    bool include = Int(node, "count_include_pad", 0) != 0 || pads.All(p => p == 0);
                    return n == 1 ? nn.AvgPool1d(kernel[0], strides[0], pads[0], ceil, include) : nn.AvgPool2d(kernel, strides, pads, ceil, include);
                }
                default:
                    if (n != 2 || pads.Any(p => p != 0)) throw Unsupported(where, "LpPool other than 2-D without padding");
                    return nn.LPPool2d(Int(node, "p", 2), kernel, strides, ceil);
            }
        }

        // Zero padding of the two spatial axes (PyTorch writes nn.AvgPool2d as Pad, then AveragePool without pads).
        private static nn.Module<Tensor, Tensor>? Pad(ChainImporter c, NodeProto node, string where)
        {
            if (String(node, "mode", "constant") != "constant")
                throw Unsupported(where, $"Pad in mode {String(node, "mode", "constant")}; only zero padding is imported as a layer (a convolution's own border is read from the Gather form OnnxExport writes)");
            var pads = c.Opset >= 11 ? Int64s(c.Constant(node, 1, where), where + " pads") : Ints(node, "pads") ?? new long[2 * c.Rank];
            float value = c.Opset >= 11 ? (c.OptionalConstant(node, 2, where) is { } v ? Scalar(v, where + " constant_value") : 0f) : Float(node, "value", 0f);
            int r = c.Rank;
            if (value != 0f || c.OptionalConstant(node, 3, where) is not null || pads.Length != 2 * r || pads.Any(p => p < 0) || pads[0] != 0 || pads[r] != 0 || r > 1 && (pads[1] != 0 || pads[r + 1] != 0))
                throw Unsupported(where, $"Pad(pads=({string.Join(", ", pads)}), value={value}); only zeros added around the spatial axes of each sample are imported");
            if (pads.All(p => p == 0)) return null;
            if (r != 4) throw Unsupported(where, $"zero padding of a rank-{r} input; only 2-D zero padding (nn.ZeroPad2d) is imported");
            return nn.ZeroPad2d((pads[3], pads[r + 3], pads[2], pads[r + 2]));
        }

        private static nn.Module<Tensor, Tensor> Clip(ChainImporter c, NodeProto node, string where)
        {
            float? min, max;
            if (c.Opset < 11)
            {
                min = node.Attribute.Any(a => a.Name == "min") ? Float(node, "min", 0f) : null;
                max = node.Attribute.Any(a => a.Name == "max") ? Float(node, "max", 0f) : null;
            }
            else
            {
                min = c.OptionalConstant(node, 1, where) is { } lo ? Scalar(lo, where + " min") : null;
                max = c.OptionalConstant(node, 2, where) is { } hi ? Scalar(hi, where + " max") : null;
            }
            if (min == 0f && max == 6f) return nn.ReLU6();
            if (min == 0f && max is null) return nn.ReLU();
            return nn.Hardtanh(min ?? float.MinValue, max ?? float.MaxValue);
        }

        private static nn.Module<Tensor, Tensor>? Reshape(ChainImporter c, NodeProto node, string where)
        {
            var target = Int64s(c.Constant(node, 1, where), where + " shape");
            if (Int(node, "allowzero", 0) != 0 && target.Contains(0)) throw Unsupported(where, "allowzero = 1 with a zero in the shape");
            if (c.Shape is not { } shape)
            {
                // Without a static input shape, only (batch, -1) or (batch, K) can be read as a flatten ((-1, K) could
                // also fold samples together).
                if (target.Length == 2 && IsBatch(c, target[0]) && target[0] != -1 && (target[1] == -1 || target[1] > 0))
                    return c.Rank == 2 ? null : nn.Flatten();
                throw Unsupported(where, $"Reshape to ({string.Join(", ", target)}) needs the input's static shape, which the graph's input does not give");
            }
            if (!IsBatch(c, target[0]))
                throw Unsupported(where, $"Reshape to ({string.Join(", ", target)}) changes the batch dimension (the graph's input has batch {c.Batch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "N"}); only reshapes of each sample are imported");
            var output = Resolve(target, shape, where);
            return ReshapeModules.Between(shape, output) ?? throw Unsupported(where,
                $"Reshape from ({string.Join(", ", shape.Skip(1))}) to ({string.Join(", ", output.Skip(1))}) per sample neither flattens nor splits consecutive dimensions");
        }

        // The first entry of a Reshape's target keeps the batch: 0 (copy), −1 (inferred), or the batch the file was exported with.
        private static bool IsBatch(ChainImporter c, long first) => first is 0 or -1 || first > 0 && first == c.Batch;

        // The output shape for a batch of one: 0 copies the input's dimension, −1 takes what is left; the first entry is the
        // batch, whatever number the exporter wrote for it.
        private static long[] Resolve(long[] target, long[] shape, string where)
        {
            long total = shape.Skip(1).Aggregate(1L, (p, d) => p * d);
            if (target.Length == 0) throw Unsupported(where, "Reshape to a scalar");
            var output = target.Select((t, i) => t == 0 && i < shape.Length ? shape[i] : t).ToArray();
            if (target[0] == -1)
            {
                long rest = output.Skip(1).Aggregate(1L, (p, d) => p * d);
                if (output.Skip(1).Any(d => d < 0) || rest != total)
                    throw Unsupported(where, $"Reshape to ({string.Join(", ", target)}) does not keep the batch dimension first");
                output[0] = 1;
                return output;
            }
            output[0] = 1;
            int free = Array.IndexOf(output, -1L);
            long known = output.Skip(1).Where(d => d != -1).Aggregate(1L, (p, d) => p * d);
            if (free > 0) output[free] = known == 0 ? 0 : total / known;
            if (output.Skip(1).Aggregate(1L, (p, d) => p * d) != total)
                throw Unsupported(where, $"Reshape to ({string.Join(", ", target)}) does not keep each sample's {total} values apart (it would mix the batch)");
            return output;
        }
    }
}
