using System;
using System.Collections.Generic;
using System.Linq;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using static TorchLip.Onnx.OnnxValues;

namespace TorchLip.Onnx
{
    /// <summary>
    /// Evaluates the small integer computations exporters leave unfolded (PyTorch 1.13 computes a padded convolution's
    /// pads with ConstantOfShape, Concat, Reshape, Slice, Transpose and Cast), so that the node reading them sees a constant.
    /// </summary>
    internal static class ConstantFolder
    {
        /// <summary>The ops this class evaluates.</summary>
        public static readonly IReadOnlySet<string> Ops = new HashSet<string> { "ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Cast", "Identity" };

        /// <summary>The int64 value of <paramref name="node"/>'s output, from its constant inputs.</summary>
        public static TensorProto Fold(NodeProto node, Func<int, TensorProto?> input, string where)
        {
            using var scope = torch.NewDisposeScope();
            Tensor In(int i) => input(i) is { } t ? Load(t, where) : throw NodeTranslator.Unsupported(where, $"its input {i} is missing");
            Tensor result = node.OpType switch
            {
                "ConstantOfShape" => ConstantOfShape(node, In(0), where),
                "Concat" => torch.cat(Enumerable.Range(0, node.Input.Count).Select(In).ToArray(), Int(node, "axis", 0)),
                "Reshape" => Reshape(In(0), In(1)),
                "Slice" => Slice(node, In, where),
                "Transpose" => Ints(node, "perm") is { } perm ? In(0).permute(perm) : In(0).t(),
                "Cast" when Int(node, "to", 0) is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32 => In(0),
                "Identity" => In(0),
                _ => throw NodeTranslator.Unsupported(where, $"it computes from constants only, and {node.OpType} on constants is not evaluated (only {string.Join(", ", Ops)} on integers); export with constant folding on"),
            };
            var proto = new TensorProto { Name = node.Output[0], DataType = (int)TensorProto.Types.DataType.Int64 };
            proto.Dims.AddRange(result.shape);
            using var values = result.contiguous();
            proto.Int64Data.AddRange(values.data<long>().ToArray());
            return proto;
        }

        private static Tensor Load(TensorProto t, string where)
        {
            var values = Int64s(t, where + " constant input");
            return torch.tensor(values, dtype: ScalarType.Int64).reshape(t.Dims.ToArray());
        }

        private static Tensor ConstantOfShape(NodeProto node, Tensor shape, string where)
        {
            var value = node.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
            if (value is not null && Int64s(value, where + " value").Any(v => v != 0))
                throw NodeTranslator.Unsupported(where, "ConstantOfShape with a value other than 0 among constants");
            return torch.zeros(shape.data<long>().ToArray(), ScalarType.Int64);
        }

        private static Tensor Reshape(Tensor x, Tensor shape)
        {
            var target = shape.data<long>().ToArray();
            return x.reshape(target.Select((d, i) => d == 0 && i < x.dim() ? x.shape[i] : d).ToArray());
        }

        // Slice along the given axes, steps of either sign, ends clamped as ONNX does.
        private static Tensor Slice(NodeProto node, Func<int, Tensor> input, string where)
        {
            var x = input(0);
            var starts = input(1).data<long>().ToArray();
            var ends = input(2).data<long>().ToArray();
            var axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? input(3).data<long>().ToArray() : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            var steps = node.Input.Count > 4 && node.Input[4].Length > 0 ? input(4).data<long>().ToArray() : Enumerable.Repeat(1L, starts.Length).ToArray();
            for (int k = 0; k < starts.Length; k++)
            {
                int axis = NodeTranslator.Dim(axes[k], (int)x.dim());
                long n = x.shape[axis], step = steps[k];
                if (step == 0) throw NodeTranslator.Unsupported(where, "a Slice step of 0");
                long start = starts[k] < 0 ? starts[k] + n : starts[k], end = ends[k] < 0 ? ends[k] + n : ends[k];
                var picked = new List<long>();
                if (step > 0)
                    for (long j = Math.Clamp(start, 0, n); j < Math.Clamp(end, 0, n); j += step) picked.Add(j);
                else
                    for (long j = Math.Clamp(start, -1, n - 1); j > Math.Clamp(end, -1, n - 1); j += step) picked.Add(j);
                x = x.index_select(axis, torch.tensor(picked.ToArray(), dtype: ScalarType.Int64));
            }
            return x;
        }
    }
}
