using System.Collections.Generic;
using System.Linq;
using Onnx;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Gather nodes that copy a border (reflect, replicate, circular or symmetric) before a Conv, as <see cref="OnnxExport"/>
    /// writes a convolution whose padding mode is not zeros: read back as nn.Conv1d/2d with that padding mode, or as a
    /// <see cref="Modules.PadConv"/> where TorchSharp's layers cannot express the border (asymmetric or symmetric mode).
    /// </summary>
    internal static class BorderedConv
    {
        private static readonly PaddingMode[] Modes = { PaddingMode.Reflect, PaddingMode.Replicate, PaddingMode.Circular, PaddingMode.Symmetric };

        /// <summary>The convolution the Gather at <paramref name="i"/> (and the next Gather, if any) and the Conv after it compute, and the Conv's index.</summary>
        public static (nn.Module<Tensor, Tensor> Module, int Last) Read(ChainImporter c, IList<NodeProto> nodes, int i, string where)
        {
            if (c.Shape is not { } shape)
                throw NodeTranslator.Unsupported(where, "a Gather (a padded border) needs the input's static shape, which the graph's input does not give");
            var borders = new Dictionary<int, (long Before, long After, PaddingMode Mode)>();
            int at = i;
            string value = nodes[i].Input[0];
            while (nodes[at].OpType == "Gather")
            {
                string here = ChainImporter.Where(nodes[at], at);
                if (nodes[at].Input[0] != value) throw NodeTranslator.Unsupported(here, "a Gather that does not read the previous node's output");
                int axis = NodeTranslator.Dim(OnnxValues.Int(nodes[at], "axis", 0), shape.Length);
                var indices = OnnxValues.Int64s(c.Constant(nodes[at], 1, here), here + " indices");
                if (axis < 2 || borders.ContainsKey(axis) || Border(indices, shape[axis]) is not { } border)
                    throw NodeTranslator.Unsupported(here, "Gather is imported only as the border a padded convolution copies (reflect, replicate, circular or symmetric) along a spatial axis, followed by the Conv");
                borders[axis] = border;
                value = nodes[at].Output[0];
                at = c.Next(at);
                if (at < 0) throw NodeTranslator.Unsupported(here, "Gather is imported only before a Conv");
            }
            return (Build(c, nodes, at, value, borders, where), at);
        }

        /// <summary>
        /// The convolution a Pad in reflect or edge mode at <paramref name="i"/> and the Conv after it compute (PyTorch
        /// writes a convolution with padding_mode reflect or replicate so), and the Conv's index.
        /// </summary>
        public static (nn.Module<Tensor, Tensor> Module, int Last) ReadPad(ChainImporter c, IList<NodeProto> nodes, int i, string where)
        {
            var node = nodes[i];
            var mode = OnnxValues.String(node, "mode", "constant") switch
            {
                "reflect" => PaddingMode.Reflect,
                "edge" => PaddingMode.Replicate,
                var other => throw NodeTranslator.Unsupported(where, $"Pad in mode {other}"),
            };
            var pads = c.Opset >= 11 ? OnnxValues.Int64s(c.Constant(node, 1, where), where + " pads") : OnnxValues.Ints(node, "pads") ?? new long[0];
            int r = c.Rank;
            if (pads.Length != 2 * r || pads.Any(p => p < 0) || pads[0] != 0 || pads[r] != 0 || pads[1] != 0 || pads[r + 1] != 0 || c.OptionalConstant(node, 3, where) is not null)
                throw NodeTranslator.Unsupported(where, $"Pad(pads=({string.Join(", ", pads)})); only a border around the spatial axes of each sample is imported");
            var borders = new Dictionary<int, (long Before, long After, PaddingMode Mode)>();
            for (int a = 2; a < r; a++)
                if (pads[a] + pads[r + a] > 0) borders[a] = (pads[a], pads[r + a], mode);
            int at = c.Next(i);
            if (at < 0) throw NodeTranslator.Unsupported(where, $"Pad in mode {OnnxValues.String(node, "mode", "constant")} is imported only before a Conv");
            return (Build(c, nodes, at, node.Output[0], borders, where), at);
        }

        private static nn.Module<Tensor, Tensor> Build(ChainImporter c, IList<NodeProto> nodes, int at, string value, Dictionary<int, (long Before, long After, PaddingMode Mode)> borders, string where)
        {
            string convWhere = ChainImporter.Where(nodes[at], at);
            if (nodes[at].OpType != "Conv" || nodes[at].Input[0] != value)
                throw NodeTranslator.Unsupported(where, "a copied border (Gather, or Pad in reflect or edge mode) is imported only before the Conv right after it");
            var conv = ConvNode.Read(c, nodes[at], convWhere);
            int spatial = conv.Kernel.Length;
            if (c.Rank != spatial + 2 || borders.Keys.Any(a => conv.Pads[a - 2] != 0))
                throw NodeTranslator.Unsupported(convWhere, "a convolution that pads with zeros an axis whose border was already copied");
            var axes = Enumerable.Range(0, spatial).Select(a => borders.TryGetValue(a + 2, out var b)
                ? new ConvAxis(conv.Kernel[a], conv.Strides[a], conv.Dilations[a], b.Before, b.After, b.Mode)
                : new ConvAxis(conv.Kernel[a], conv.Strides[a], conv.Dilations[a], conv.Pads[a], conv.Pads[a], PaddingMode.Zeros)).ToArray();
            var modes = axes.Where(a => a.PadBefore + a.PadAfter > 0).Select(a => a.Mode).Distinct().ToList();
            if (modes.Count == 1 && modes[0] != PaddingMode.Symmetric && axes.All(a => a.PadBefore == a.PadAfter))
            {
                var torchMode = modes[0] switch
                {
                    PaddingMode.Reflect => PaddingModes.Reflect,
                    PaddingMode.Replicate => PaddingModes.Replicate,
                    PaddingMode.Circular => PaddingModes.Circular,
                    _ => PaddingModes.Zeros,
                };
                return PlainLayerFactory.Conv(conv.WeightDims, conv.Weight, conv.Bias, conv.Strides, axes.Select(a => a.PadBefore).ToArray(), conv.Dilations, conv.Groups, torchMode);
            }
            return PlainLayerFactory.PadConv(new ConvOperator(axes, conv.Groups), conv.WeightDims, conv.Weight, conv.Bias);
        }

        // The padding (before, after) and mode whose sources are exactly these indices into an axis of length n.
        private static (long Before, long After, PaddingMode Mode)? Border(long[] indices, long n)
        {
            long extra = indices.Length - n;
            if (extra <= 0) return null;
            foreach (var mode in Modes)
                for (long before = 0; before <= extra; before++)
                {
                    var axis = new ConvAxis(1, 1, 1, before, extra - before, mode);
                    if (axis.Sources(n).SequenceEqual(indices)) return (before, extra - before, mode);
                }
            return null;
        }
    }
}
