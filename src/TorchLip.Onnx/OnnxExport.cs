using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Writes a model as an ONNX file (opset <see cref="Opset"/>, IR version <see cref="IrVersion"/>) that ONNX Runtime
    /// runs, with the model's certified Lipschitz bound in its metadata (<see cref="OnnxMetadata"/>).
    /// </summary>
    /// <remarks>
    /// The model is a TorchLip model (its eval-mode weights are exported, as <c>vanilla_export()</c> gives them; no
    /// state changes), the output of <c>vanilla_export()</c>, or a plain TorchSharp <c>nn.Sequential</c> of supported
    /// layers (nested containers too). The graph has one float32 input <c>input</c> of shape (N, *inputShape) with a
    /// dynamic batch N and one output <c>output</c>. The bound written is <c>torchlip.lipschitz_upper_bound(model)</c>
    /// of the model given (for a plain network: the product of rigorous per-layer bounds).
    /// </remarks>
    public static class OnnxExport
    {
        /// <summary>The ONNX operator set the files use (ONNX 1.12's newest; ONNX Runtime and Debian 12's checker accept it).</summary>
        public const int Opset = 17;

        /// <summary>The ONNX IR version the files declare (ONNX 1.12).</summary>
        public const int IrVersion = 8;

        /// <summary>The graph's input name.</summary>
        public const string InputName = "input";

        /// <summary>The graph's output name.</summary>
        public const string OutputName = "output";

        /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> as ONNX (written to a temporary file, then moved).</summary>
        /// <param name="model">A TorchLip model, its export, or a plain TorchSharp Sequential of supported layers, float32.</param>
        /// <param name="path">The .onnx file to write (replaced if present).</param>
        /// <param name="inputShape">One sample's shape without the batch dimension, e.g. { 1, 28, 28 } or { 784 }.</param>
        /// <exception cref="NotSupportedException">A layer without ONNX translation (the message names it and lists the supported ones).</exception>
        /// <exception cref="ArgumentException">A non-float32 model, or an input shape the model does not accept.</exception>
        public static void Save(nn.Module<Tensor, Tensor> model, string path, params long[] inputShape)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            var bytes = ToBytes(model, inputShape);
            var full = Path.GetFullPath(path);
            var temporary = full + ".tmp-" + Guid.NewGuid().ToString("N");
            try
            {
                File.WriteAllBytes(temporary, bytes);
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        /// <summary>The ONNX file's bytes for <paramref name="model"/> (see <see cref="Save"/>).</summary>
        /// <param name="model">A TorchLip model, its export, or a plain TorchSharp Sequential of supported layers, float32.</param>
        /// <param name="inputShape">One sample's shape without the batch dimension.</param>
        public static byte[] ToBytes(nn.Module<Tensor, Tensor> model, params long[] inputShape) => Build(model, inputShape).ToByteArray();

        internal static ModelProto Build(nn.Module<Tensor, Tensor> model, long[] inputShape)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(inputShape);
            if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
                throw new ArgumentException($"OnnxExport: inputShape must list one sample's dimensions without the batch (e.g. {{1, 28, 28}}), all positive; got ({string.Join(", ", inputShape)}).", nameof(inputShape));
            foreach (var (name, p) in model.named_parameters())
                if (p.dtype != ScalarType.Float32)
                    throw new ArgumentException($"OnnxExport: parameter {name} is {p.dtype}; the export writes float32 models only. Convert the model with model.to(ScalarType.Float32) first (its bound changes with the weights).", nameof(model));

            double bound = torchlip.lipschitz_upper_bound(model);
            double outputBound = torchlip.output_lipschitz_upper_bound(model);
            var g = new GraphBuilder();
            string output;
            long[] outputShape;
            using (var scope = torch.NewDisposeScope())
            using (torch.no_grad())
            {
                var probe = torch.zeros(new long[] { 1 }.Concat(inputShape).ToArray());
                string x;
                (x, probe) = LayerTranslator.Emit(g, "", model, InputName, probe);
                output = x;
                outputShape = probe.shape;
            }
            // The graph's output has its own name, whatever node computes it.
            g.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "output_identity", Input = { output }, Output = { OutputName } });
            g.Graph.Input.Add(Value(InputName, inputShape));
            g.Graph.Output.Add(Value(OutputName, outputShape.Skip(1).ToArray()));

            var model_ = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "TorchLip.NET",
                ProducerVersion = LibraryVersion,
                DocString = "Exported by TorchLip.NET. " + FormattableString.Invariant($"Certified L2 Lipschitz bound of the whole map: {bound:R} (metadata key {OnnxMetadata.LipschitzBoundKey})."),
                Graph = g.Graph,
            };
            model_.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
            void Meta(string key, string value) => model_.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            Meta(OnnxMetadata.LipschitzBoundKey, bound.ToString("R", CultureInfo.InvariantCulture));
            Meta(OnnxMetadata.OutputLipschitzBoundKey, outputBound.ToString("R", CultureInfo.InvariantCulture));
            Meta(OnnxMetadata.VersionKey, LibraryVersion);
            Meta(OnnxMetadata.OpsetKey, Opset.ToString(CultureInfo.InvariantCulture));
            Meta(OnnxMetadata.InputShapeKey, string.Join(",", inputShape.Select(d => d.ToString(CultureInfo.InvariantCulture))));
            return model_;
        }

        /// <summary>TorchLip's version (the core assembly's informational version, without a source revision).</summary>
        internal static string LibraryVersion
        {
            get
            {
                var version = typeof(torchlip).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                    ?? typeof(torchlip).Assembly.GetName().Version?.ToString() ?? "unknown";
                int plus = version.IndexOf('+');
                return plus < 0 ? version : version[..plus];
            }
        }

        private static ValueInfoProto Value(string name, long[] sampleShape)
        {
            var shape = new TensorShapeProto();
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
            foreach (var d in sampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            return new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
            };
        }
    }
}
