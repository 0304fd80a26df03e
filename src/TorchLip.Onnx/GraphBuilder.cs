using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace TorchLip.Onnx
{
    /// <summary>Collects the nodes and constant tensors of one ONNX graph, with unique value names.</summary>
    internal sealed class GraphBuilder
    {
        private readonly GraphProto _graph = new() { Name = "torchlip" };
        private readonly Dictionary<string, int> _counters = new();

        /// <summary>The graph built so far.</summary>
        public GraphProto Graph => _graph;

        /// <summary>A value name not used before, from <paramref name="stem"/>.</summary>
        public string Fresh(string stem)
        {
            _counters.TryGetValue(stem, out int n);
            _counters[stem] = n + 1;
            return $"{stem}_{n}";
        }

        /// <summary>Adds a node with one output and returns the output's name.</summary>
        public string Node(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
            NodeWithOutputs(opType, inputs, 1, attributes)[0];

        /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
        public string[] NodeWithOutputs(string opType, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
        {
            var node = new NodeProto { OpType = opType, Name = Fresh(opType) };
            node.Input.AddRange(inputs);
            var names = Enumerable.Range(0, outputs).Select(_ => Fresh(opType.ToLowerInvariant())).ToArray();
            node.Output.AddRange(names);
            node.Attribute.AddRange(attributes);
            _graph.Node.Add(node);
            return names;
        }

        /// <summary>A float32 constant of shape <paramref name="dims"/> (row-major <paramref name="values"/>).</summary>
        public string Floats(string stem, float[] values, params long[] dims)
        {
            CheckCount(values.Length, dims);
            var tensor = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.Float };
            tensor.Dims.AddRange(dims);
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
            _graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        /// <summary>An int64 constant of shape <paramref name="dims"/>.</summary>
        public string Int64s(string stem, long[] values, params long[] dims)
        {
            CheckCount(values.Length, dims);
            var tensor = new TensorProto { Name = Fresh(stem), DataType = (int)TensorProto.Types.DataType.Int64 };
            tensor.Dims.AddRange(dims);
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
            _graph.Initializer.Add(tensor);
            return tensor.Name;
        }

        /// <summary>A one-dimensional int64 constant.</summary>
        public string Int64Vector(string stem, params long[] values) => Int64s(stem, values, values.Length);

        /// <summary>A float32 scalar constant (shape ()).</summary>
        public string Scalar(string stem, float value) => Floats(stem, new[] { value });

        /// <summary>An integer attribute.</summary>
        public static AttributeProto Int(string name, long value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

        /// <summary>An integer-list attribute.</summary>
        public static AttributeProto Ints(string name, IEnumerable<long> values)
        {
            var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            a.Ints.AddRange(values);
            return a;
        }

        /// <summary>A float attribute.</summary>
        public static AttributeProto Float(string name, float value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

        /// <summary>A string attribute.</summary>
        public static AttributeProto String(string name, string value) =>
            new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

        private static void CheckCount(int count, long[] dims)
        {
            long expected = dims.Aggregate(1L, (p, d) => p * d);
            if (expected != count) throw new InvalidOperationException($"constant of shape ({string.Join(", ", dims)}) given {count} values.");
        }
    }
}
