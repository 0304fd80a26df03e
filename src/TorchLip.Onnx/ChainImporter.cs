using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Walks an ONNX graph that is one chain (each node reads the previous node's output and constants) and builds the
    /// plain TorchSharp modules computing it, tracking the current value's rank and, when the graph's input has a static
    /// shape, its shape (a zero probe with batch 1 is run through each module).
    /// </summary>
    internal sealed class ChainImporter
    {
        private readonly Dictionary<string, TensorProto> _constants = new();
        private readonly List<nn.Module<Tensor, Tensor>> _modules = new();
        private readonly IList<NodeProto> _nodes;
        private string _current;
        private TorchSharp.Modules.Linear? _fromMatMul;   // the layer of the MatMul node just read, still without bias

        private ChainImporter(GraphProto graph, long opset)
        {
            Opset = opset;
            foreach (var t in graph.Initializer) _constants[t.Name] = t;
            for (int i = 0; i < graph.Node.Count; i++)
                if (graph.Node[i].OpType == "Constant" && graph.Node[i].Output.Count == 1)
                    _constants[graph.Node[i].Output[0]] = OnnxValues.ConstantValue(graph.Node[i], Where(graph.Node[i], i));
            _nodes = graph.Node;
            var input = OnnxImport.GraphInput(graph);
            _current = input.Name;
            var dims = input.Type?.TensorType?.Shape?.Dim
                ?? throw new NotSupportedException($"OnnxImport: the graph's input '{input.Name}' has no shape, so the layers cannot be laid out; export with a sample input (PyTorch's torch.onnx.export does).");
            Rank = dims.Count;
            Batch = dims.Count > 0 && dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? dims[0].DimValue : null;
            Shape = OnnxImport.SampleShape(input) is { } sample ? new long[] { 1 }.Concat(sample).ToArray() : null;
        }

        /// <summary>The default-domain operator set the graph uses.</summary>
        public long Opset { get; }

        /// <summary>The batch size the graph's input declares, or null where it is symbolic.</summary>
        public long? Batch { get; }

        /// <summary>The rank of the current value (batch included).</summary>
        public int Rank { get; private set; }

        /// <summary>The current value's shape for a batch of one, or null where the input's shape is not static.</summary>
        public long[]? Shape { get; private set; }

        /// <summary>The constant tensor <paramref name="node"/> reads as input <paramref name="index"/>.</summary>
        public TensorProto Constant(NodeProto node, int index, string where) =>
            OptionalConstant(node, index, where) ?? throw NodeTranslator.Unsupported(where, $"its input {index} is missing");

        /// <summary>The constant tensor at input <paramref name="index"/>, or null where the input is absent.</summary>
        public TensorProto? OptionalConstant(NodeProto node, int index, string where)
        {
            if (index >= node.Input.Count || node.Input[index].Length == 0) return null;
            return _constants.TryGetValue(node.Input[index], out var t) ? t
                : throw NodeTranslator.Unsupported(where, $"its input {index} ('{node.Input[index]}') is computed, where a constant (an initializer or a Constant node) is expected");
        }

        /// <summary>The chain of <paramref name="model"/>'s graph as a plain Sequential, float32, in eval mode.</summary>
        public static TorchSharp.Modules.Sequential Import(ModelProto model)
        {
            long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
            var importer = new ChainImporter(model.Graph, opset);
            try
            {
                importer.Walk(model.Graph);
            }
            catch
            {
                foreach (var m in importer._modules) m.Dispose();
                throw;
            }
            var sequential = nn.Sequential(importer._modules.Select((m, i) => (i.ToString(CultureInfo.InvariantCulture), m)));
            sequential.eval();
            return sequential;
        }

        /// <summary>How errors name a node.</summary>
        internal static string Where(NodeProto node, int index) =>
            $"node '{node.Name}' ({node.OpType}, #{index})";

        private void Walk(GraphProto graph)
        {
            var consumed = OnnxValues.Consumed(graph);
            var output = graph.Output[0].Name;
            for (int i = 0; i < _nodes.Count; i++)
            {
                var node = _nodes[i];
                if (node.OpType == "Constant") continue;
                string where = Where(node, i);
                if (node.Domain is not ("" or "ai.onnx"))
                    throw new NotSupportedException($"OnnxImport: {where} is from operator domain '{node.Domain}', which is not imported; only the standard ONNX operators are ({NodeTranslator.SupportedList}).");
                if (node.Input.All(n => n.Length == 0 || _constants.ContainsKey(n)) && ConstantFolder.Ops.Contains(node.OpType) && node.Output.Count == 1)
                {
                    _constants[node.Output[0]] = ConstantFolder.Fold(node, k => OptionalConstant(node, k, where), where);
                    continue;
                }
                CheckChain(node, where);
                foreach (var extra in node.Output.Skip(1))
                    if (extra.Length > 0 && (consumed.Contains(extra) || extra == output))
                        throw NodeTranslator.Unsupported(where, $"its extra output '{extra}' is used; only the first output of a node is part of a chain");
                if (node.OpType == "Reshape" && PixelPattern(i, where) is { } pixel)
                {
                    Append(pixel.Module, where);
                    _current = _nodes[pixel.Last].Output[0];
                    i = pixel.Last;
                    continue;
                }
                if (node.OpType == "Gather" || node.OpType == "Pad" && OnnxValues.String(node, "mode", "constant") != "constant")
                {
                    var (conv, last) = node.OpType == "Gather" ? BorderedConv.Read(this, _nodes, i, where) : BorderedConv.ReadPad(this, _nodes, i, where);
                    for (int n = i + 1; n <= last; n++)
                        if (_nodes[n].OpType != "Constant") CheckChainAfter(_nodes[n], _nodes[Previous(n)].Output[0], Where(_nodes[n], n));
                    Append(conv, where);
                    _current = _nodes[last].Output[0];
                    i = last;
                    continue;
                }
                var fromMatMul = _fromMatMul;
                _fromMatMul = null;
                if (node.OpType == "Add") Add(node, where, fromMatMul);
                else if (NodeTranslator.Translate(this, node, where) is { } module)
                {
                    Append(module, where);
                    if (node.OpType == "MatMul") _fromMatMul = (TorchSharp.Modules.Linear)module;
                }
                _current = node.Output[0];
            }
            if (_current != output)
                throw new NotSupportedException($"OnnxImport: the graph's output '{output}' is not the end of the chain of nodes (which ends at '{_current}'); certify handles sequential chains only.");
        }

        private int Previous(int n)
        {
            while (_nodes[--n].OpType == "Constant") { }
            return n;
        }

        private void CheckChainAfter(NodeProto node, string current, string where)
        {
            _current = current;
            CheckChain(node, where);
        }

        // Every computed value a node reads must be the chain's current value.
        private void CheckChain(NodeProto node, string where)
        {
            var computed = node.Input.Where(s => s.Length > 0 && !_constants.ContainsKey(s)).Distinct().ToList();
            if (computed.Count == 1 && computed[0] == _current) return;
            if (computed.Count == 0)
                throw NodeTranslator.Unsupported(where, "it reads constants only (a computation the exporter left unfolded); export with constant folding on");
            var others = computed.Where(s => s != _current).Select(s => $"'{s}'");
            throw new NotSupportedException(
                $"OnnxImport: {where} reads {string.Join(" and ", others)}{(computed.Contains(_current) ? $" besides the chain's current value '{_current}'" : $" instead of the chain's current value '{_current}'")}, so the graph is not a single chain. " +
                "certify handles sequential chains only (each node reading the previous node's output and constants): the product of the layers' bounds bounds a chain, " +
                "but not a graph that branches and joins again, e.g. a residual x + f(x), whose constant can reach 1 + Lip(f).");
        }

        // Add of a constant bias right after a MatMul becomes that linear layer's bias.
        private void Add(NodeProto node, string where, TorchSharp.Modules.Linear? linear)
        {
            var constantIndex = node.Input.Count == 2 ? (node.Input[0] == _current ? 1 : 0) : -1;
            if (constantIndex < 0 || node.Input[0] == node.Input[1])
                throw NodeTranslator.Unsupported(where, "Add is imported only as the bias of the MatMul before it (one input the MatMul's output, the other a constant)");
            var (dims, bias) = OnnxValues.Floats(Constant(node, constantIndex, where), where + " bias");
            if (linear is null || bias.Length != linear.out_features || dims.Reverse().Skip(1).Any(d => d != 1))
                throw NodeTranslator.Unsupported(where, "Add is imported only as the bias of the MatMul right before it (a constant of one value per output)");
            using var weight = linear.weight!.detach().contiguous();
            var replaced = PlainLayerFactory.Linear(linear.in_features, linear.out_features, weight.data<float>().ToArray(), bias);
            _modules[^1] = replaced;
            linear.Dispose();
        }

        private void Append(nn.Module<Tensor, Tensor> module, string where)
        {
            module.eval();
            _modules.Add(module);
            if (Shape is null)
            {
                if (module is TorchSharp.Modules.Flatten f)
                    Rank -= NodeTranslator.Dim(f.end_dim, Rank) - NodeTranslator.Dim(f.start_dim, Rank);
                return;
            }
            try
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                Shape = module.call(torch.zeros(Shape)).shape;
                Rank = Shape.Length;
            }
            catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
            {
                throw NodeTranslator.Unsupported(where, $"the imported {module.GetName()} does not accept this node's input of shape ({string.Join(", ", Shape)}): {e.Message}");
            }
        }

        // Reshape, Transpose, Reshape as the exporter writes nn.PixelUnshuffle and nn.PixelShuffle: recognized when a pixel
        // (un)shuffle gives exactly the three nodes' result on a probe of distinct values.
        private (nn.Module<Tensor, Tensor> Module, int Last)? PixelPattern(int i, string where)
        {
            if (Shape is not { Length: 4 } shape) return null;
            int j = Next(i), k = j < 0 ? -1 : Next(j);
            if (k < 0 || _nodes[j].OpType != "Transpose" || _nodes[k].OpType != "Reshape"
                || _nodes[j].Input[0] != _nodes[i].Output[0] || _nodes[k].Input[0] != _nodes[j].Output[0]) return null;
            var perm = OnnxValues.Ints(_nodes[j], "perm");
            var split = OnnxValues.Int64s(Constant(_nodes[i], 1, where), where + " shape");
            var final = OnnxValues.Int64s(Constant(_nodes[k], 1, Where(_nodes[k], k)), Where(_nodes[k], k) + " shape");
            if (perm is null || split.Length != 6 || final.Length != 4) return null;
            nn.Module<Tensor, Tensor>? candidate = perm.SequenceEqual(new long[] { 0, 1, 3, 5, 2, 4 }) && split[3] > 0 ? nn.PixelUnshuffle(split[3])
                : perm.SequenceEqual(new long[] { 0, 1, 4, 2, 5, 3 }) && split[2] > 0 ? nn.PixelShuffle(split[2]) : null;
            if (candidate is null) return null;
            using var scope = torch.NewDisposeScope();
            var x = torch.tensor(Enumerable.Range(0, (int)shape.Aggregate(1L, (p, d) => p * d)).Select(v => (float)v).ToArray()).reshape(shape);
            try
            {
                var expected = x.reshape(split.Select((d, n) => d == 0 ? shape[n] : d).ToArray()).permute(perm);
                expected = expected.reshape(final.Select((d, n) => d == 0 ? expected.shape[n] : d).ToArray());
                if (candidate.call(x) is var actual && actual.shape.SequenceEqual(expected.shape) && actual.eq(expected).all().item<bool>())
                    return (candidate, k);
            }
            catch (Exception e) when (e is ExternalException or ArgumentException) { }
            candidate.Dispose();
            return null;
        }

        /// <summary>The index of the next node after <paramref name="i"/> that is not a Constant, or −1.</summary>
        internal int Next(int i)
        {
            for (int n = i + 1; n < _nodes.Count; n++)
                if (_nodes[n].OpType != "Constant") return n;
            return -1;
        }
    }
}
