using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using Onnx;

namespace TorchLip.Onnx
{
    /// <summary>Reads the constant tensors (initializers, Constant nodes) and the attributes of an imported ONNX graph.</summary>
    internal static class OnnxValues
    {
        /// <summary>A float32 constant's dimensions and row-major values.</summary>
        public static (long[] Dims, float[] Values) Floats(TensorProto t, string what)
        {
            CheckStored(t, what);
            if (t.DataType != (int)TensorProto.Types.DataType.Float)
                throw new NotSupportedException($"OnnxImport: {what} ({t.Name}) holds {TypeName(t.DataType)} values; only float32 weights are imported. Export the model in float32 (model.float() in PyTorch) first.");
            var dims = t.Dims.ToArray();
            long count = dims.Aggregate(1L, (p, d) => p * d);
            float[] values;
            if (t.FloatData.Count > 0) values = t.FloatData.ToArray();
            else
            {
                var raw = t.RawData.Span;
                values = new float[raw.Length / 4];
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(4 * i, 4));
            }
            if (values.Length != count)
                throw new InvalidOperationException($"OnnxImport: {what} ({t.Name}) has shape ({string.Join(", ", dims)}) but {values.Length} values; the file is damaged.");
            return (dims, values);
        }

        /// <summary>An integer constant's values (int64 or int32), e.g. a Reshape's target shape.</summary>
        public static long[] Int64s(TensorProto t, string what)
        {
            CheckStored(t, what);
            var raw = t.RawData.Span;
            switch ((TensorProto.Types.DataType)t.DataType)
            {
                case TensorProto.Types.DataType.Int64:
                    if (t.Int64Data.Count > 0) return t.Int64Data.ToArray();
                    return Enumerable.Range(0, raw.Length / 8).Select(i => BinaryPrimitives.ReadInt64LittleEndian(t.RawData.Span.Slice(8 * i, 8))).ToArray();
                case TensorProto.Types.DataType.Int32:
                    if (t.Int32Data.Count > 0) return t.Int32Data.Select(v => (long)v).ToArray();
                    return Enumerable.Range(0, raw.Length / 4).Select(i => (long)BinaryPrimitives.ReadInt32LittleEndian(t.RawData.Span.Slice(4 * i, 4))).ToArray();
                default:
                    throw new NotSupportedException($"OnnxImport: {what} ({t.Name}) holds {TypeName(t.DataType)} values where integers (int64) are expected.");
            }
        }

        /// <summary>A scalar (one-element) float constant.</summary>
        public static float Scalar(TensorProto t, string what)
        {
            var (_, values) = Floats(t, what);
            if (values.Length != 1) throw new NotSupportedException($"OnnxImport: {what} ({t.Name}) has {values.Length} values where one is expected.");
            return values[0];
        }

        /// <summary>The tensor a Constant node defines (its value, value_float(s) or value_int(s) attribute).</summary>
        public static TensorProto ConstantValue(NodeProto node, string where)
        {
            var a = node.Attribute.FirstOrDefault() ?? throw new NotSupportedException($"OnnxImport: {where} has no value.");
            var t = new TensorProto { Name = node.Output[0] };
            switch (a.Name)
            {
                case "value": return a.T;
                case "value_float": t.DataType = (int)TensorProto.Types.DataType.Float; t.FloatData.Add(a.F); return t;
                case "value_floats": t.DataType = (int)TensorProto.Types.DataType.Float; t.Dims.Add(a.Floats.Count); t.FloatData.AddRange(a.Floats); return t;
                case "value_int": t.DataType = (int)TensorProto.Types.DataType.Int64; t.Int64Data.Add(a.I); return t;
                case "value_ints": t.DataType = (int)TensorProto.Types.DataType.Int64; t.Dims.Add(a.Ints.Count); t.Int64Data.AddRange(a.Ints); return t;
                default: throw new NotSupportedException($"OnnxImport: {where} defines its value by attribute {a.Name}, which is not imported (value, value_float(s) and value_int(s) are).");
            }
        }

        /// <summary>An integer attribute, or <paramref name="fallback"/> when absent.</summary>
        public static long Int(NodeProto node, string name, long fallback) => Find(node, name)?.I ?? fallback;

        /// <summary>A float attribute, or <paramref name="fallback"/> when absent.</summary>
        public static float Float(NodeProto node, string name, float fallback) => Find(node, name)?.F ?? fallback;

        /// <summary>An integer-list attribute, or null when absent.</summary>
        public static long[]? Ints(NodeProto node, string name) => Find(node, name)?.Ints.ToArray();

        /// <summary>A string attribute, or <paramref name="fallback"/> when absent.</summary>
        public static string String(NodeProto node, string name, string fallback) => Find(node, name)?.S.ToStringUtf8() ?? fallback;

        private static AttributeProto? Find(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

        private static void CheckStored(TensorProto t, string what)
        {
            if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
                throw new NotSupportedException($"OnnxImport: {what} ({t.Name}) is stored in an external data file, which is not read; save the model with its weights inside the .onnx file (onnx.save(model, path, save_as_external_data=False)).");
        }

        private static string TypeName(int type) =>
            Enum.IsDefined(typeof(TensorProto.Types.DataType), type) ? ((TensorProto.Types.DataType)type).ToString().ToLowerInvariant() : $"type {type}";

        /// <summary>Every value name any node reads.</summary>
        public static HashSet<string> Consumed(GraphProto graph) => graph.Node.SelectMany(n => n.Input).Where(s => s.Length > 0).ToHashSet();
    }
}
