using System.Linq;
using Onnx;
using static TorchLip.Onnx.OnnxValues;

namespace TorchLip.Onnx
{
    /// <summary>The settings and weights of an ONNX Conv node (symmetric pads, one per spatial axis).</summary>
    internal sealed record ConvNode(long[] WeightDims, float[] Weight, float[]? Bias, long[] Strides, long[] Pads, long[] Dilations, long Groups)
    {
        /// <summary>The kernel size per spatial axis.</summary>
        public long[] Kernel => WeightDims.Skip(2).ToArray();

        /// <summary>Reads <paramref name="node"/>; throws for what the importer does not handle.</summary>
        public static ConvNode Read(ChainImporter c, NodeProto node, string where)
        {
            var (dims, w) = Floats(c.Constant(node, 1, where), where + " kernel");
            int spatial = dims.Length - 2;
            if (spatial is < 1 or > 2) throw NodeTranslator.Unsupported(where, $"a {spatial}-D convolution; 1-D and 2-D ones are imported");
            var kernel = dims.Skip(2).ToArray();
            var strides = Ints(node, "strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
            var dilations = Ints(node, "dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
            var pads = NodeTranslator.Pads(node, where, kernel, strides, dilations);
            float[]? bias = c.OptionalConstant(node, 2, where) is { } b ? Floats(b, where + " bias").Values : null;
            return new ConvNode(dims, w, bias, strides, pads, dilations, Int(node, "group", 1));
        }
    }
}
