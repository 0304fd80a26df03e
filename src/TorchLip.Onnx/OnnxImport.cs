using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Onnx;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Reads an ONNX file whose graph is one chain of standard layers (as PyTorch's <c>torch.onnx.export</c> writes a plain
    /// <c>nn.Sequential</c>, or as <see cref="OnnxExport"/> writes a plain one) back as an equivalent plain TorchSharp
    /// <c>nn.Sequential</c> with the file's weights, so that <c>torchlip.certify_model</c> can bound a file without TorchLip
    /// metadata.
    /// </summary>
    /// <remarks>
    /// Supported operators: see <see cref="NodeTranslator.SupportedList"/> (in the errors). The graph must have one float
    /// input and one output, and each node must read the previous node's output plus constants (initializers or Constant
    /// nodes): a graph that branches (a residual connection, a concatenation) is refused, because the product of
    /// per-layer bounds does not bound it. Weights must be float32, stored in the file.
    /// </remarks>
    public static class OnnxImport
    {
        /// <summary>The chain as a plain TorchSharp Sequential, float32, eval mode.</summary>
        /// <param name="path">An .onnx file.</param>
        /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
        /// <exception cref="NotSupportedException">An operator, setting or graph shape the importer does not read (named, with the supported list).</exception>
        public static TorchSharp.Modules.Sequential Load(string path) => ChainImporter.Import(Read(path));

        /// <summary>The chain in an ONNX model's bytes as a plain TorchSharp Sequential, float32, eval mode (see <see cref="Load"/>).</summary>
        /// <param name="bytes">The bytes of an .onnx file.</param>
        public static TorchSharp.Modules.Sequential FromBytes(byte[] bytes)
        {
            ArgumentNullException.ThrowIfNull(bytes);
            return ChainImporter.Import(Parse(bytes, "the bytes given"));
        }

        /// <summary>One sample's input shape (without the batch dim) from the graph input, null where a dim other than the batch is symbolic.</summary>
        /// <param name="path">An .onnx file.</param>
        /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
        public static long[]? InputShape(string path) => SampleShape(GraphInput(Read(path).Graph));

        internal static long[]? SampleShape(ValueInfoProto input)
        {
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count < 1 || dims.Skip(1).Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0)) return null;
            return dims.Skip(1).Select(d => d.DimValue).ToArray();
        }

        // The one graph input that is not an initializer (older files also list their initializers as inputs).
        internal static ValueInfoProto GraphInput(GraphProto graph)
        {
            var initializers = graph.Initializer.Select(t => t.Name).ToHashSet();
            var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
            if (inputs.Count != 1 || graph.Output.Count != 1)
                throw new NotSupportedException($"OnnxImport: the graph has {inputs.Count} input(s) ({string.Join(", ", inputs.Select(i => i.Name))}) and {graph.Output.Count} output(s); only a graph with one input and one output (a chain of layers) is imported.");
            var type = inputs[0].Type?.TensorType?.ElemType ?? 0;
            if (type != (int)TensorProto.Types.DataType.Float)
                throw new NotSupportedException($"OnnxImport: the graph's input '{inputs[0].Name}' has element type {(TensorProto.Types.DataType)type}; only float32 models are imported.");
            return inputs[0];
        }

        private static ModelProto Read(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            return Parse(File.ReadAllBytes(path), path);
        }

        private static ModelProto Parse(byte[] bytes, string source)
        {
            ModelProto model;
            try
            {
                model = ModelProto.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"OnnxImport: {source} is not an ONNX model ({e.Message}).", e);
            }
            // Protobuf reads many byte strings as a message of unknown fields; a model has a graph with nodes.
            if (model.Graph is null || model.Graph.Node.Count == 0 || model.OpsetImport.Count == 0)
                throw new InvalidDataException($"OnnxImport: {source} is not an ONNX model (no graph of nodes, or no operator set).");
            return model;
        }
    }
}
