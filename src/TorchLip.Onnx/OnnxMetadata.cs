using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Onnx;

namespace TorchLip.Onnx
{
    /// <summary>The TorchLip entries of an ONNX file's <c>metadata_props</c>, read back with the ONNX schema.</summary>
    public sealed class OnnxMetadata
    {
        /// <summary>Key of the certified L2 Lipschitz bound of the whole map (a float64, invariant culture, round-trip format).</summary>
        public const string LipschitzBoundKey = "torchlip.lipschitz_upper_bound";

        /// <summary>
        /// Key of the certified bound of each output coordinate on its own (at most the map's; smaller where the last
        /// layer bounds its outputs separately), which a multiclass certificate may use: (top1 − top2) / min(2·this, √2·map).
        /// </summary>
        public const string OutputLipschitzBoundKey = "torchlip.output_lipschitz_upper_bound";

        /// <summary>Key of the TorchLip version that wrote the file.</summary>
        public const string VersionKey = "torchlip.version";

        /// <summary>Key of the ONNX operator set the graph uses.</summary>
        public const string OpsetKey = "torchlip.opset";

        /// <summary>Key of one sample's input shape, without the batch (comma-separated, e.g. "1,28,28").</summary>
        public const string InputShapeKey = "torchlip.input_shape";

        private OnnxMetadata(IReadOnlyDictionary<string, string> properties)
        {
            Properties = properties;
            LipschitzUpperBound = properties.TryGetValue(LipschitzBoundKey, out var b)
                && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
            OutputLipschitzUpperBound = properties.TryGetValue(OutputLipschitzBoundKey, out var ob)
                && double.TryParse(ob, NumberStyles.Float, CultureInfo.InvariantCulture, out var outputValue) ? outputValue : null;
            Version = properties.TryGetValue(VersionKey, out var v) ? v : null;
            Opset = properties.TryGetValue(OpsetKey, out var o) && int.TryParse(o, NumberStyles.Integer, CultureInfo.InvariantCulture, out var opset) ? opset : null;
            InputShape = properties.TryGetValue(InputShapeKey, out var s)
                ? s.Split(',').Select(d => long.Parse(d, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray() : null;
        }

        /// <summary>The certified L2 Lipschitz bound of the model's map, or null when the file has none (not written by TorchLip).</summary>
        public double? LipschitzUpperBound { get; }

        /// <summary>The certified bound of each output, or null when the file has none.</summary>
        public double? OutputLipschitzUpperBound { get; }

        /// <summary>The TorchLip version that wrote the file, or null.</summary>
        public string? Version { get; }

        /// <summary>The operator set recorded by TorchLip, or null.</summary>
        public int? Opset { get; }

        /// <summary>One sample's input shape without the batch, or null.</summary>
        public long[]? InputShape { get; }

        /// <summary>Every <c>metadata_props</c> entry of the file.</summary>
        public IReadOnlyDictionary<string, string> Properties { get; }

        /// <summary>Reads the metadata of the ONNX file at <paramref name="path"/>.</summary>
        /// <param name="path">An .onnx file.</param>
        /// <exception cref="InvalidDataException">The file is not an ONNX model.</exception>
        public static OnnxMetadata Read(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var stream = File.OpenRead(path);
            ModelProto model;
            try
            {
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"OnnxMetadata.Read: {path} is not an ONNX model ({e.Message}).", e);
            }
            var properties = new Dictionary<string, string>();
            foreach (var entry in model.MetadataProps) properties[entry.Key] = entry.Value;
            return new OnnxMetadata(properties);
        }
    }
}
