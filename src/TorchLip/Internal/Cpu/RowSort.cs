using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// Ascending sort along the last dimension as one autograd node, computed by <see cref="RankSort"/> on the CPU;
    /// the backward sends each gradient entry back to the position its value came from.
    /// </summary>
    /// <remarks>
    /// Same values as <c>torch.sort(input, -1, stable: true).values</c> and the same gradient, at a fraction of the
    /// time for short rows: sorting is the costliest operation of a small GroupSort network's forward pass.
    /// </remarks>
    internal sealed class RowSort : torch.autograd.SingleTensorFunction<RowSort>
    {
        // Rows per parallel task: below this a second thread costs more than it saves.
        private const long RowsPerTask = 512;

        /// <summary>Whether <see cref="Values"/> handles <paramref name="input"/> (else use torch.sort).</summary>
        public static bool Supports(Tensor input) =>
            input.device_type == DeviceType.CPU
            && (input.dtype == ScalarType.Float32 || input.dtype == ScalarType.Float64)
            && input.dim() >= 1 && input.numel() > 0 && input.numel() <= int.MaxValue
            && input.size(-1) <= RankSort.MaxLength;

        /// <summary>The values of <paramref name="input"/> sorted along its last dimension, differentiable.</summary>
        public static Tensor Values(Tensor input) =>
            input.requires_grad && torch.is_grad_enabled() ? apply(input) : Sort(input).Values;

        public override string Name => nameof(RowSort);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var (values, indices) = Sort((Tensor)vars[0]);
            ctx.save_for_backward(new List<Tensor> { indices });
            return values;
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var indices = ctx.get_saved_variables()[0];
            // Each row's indices are a permutation, so the scatter writes every entry.
            var grad = torch.empty_like(indices, dtype: grad_output.dtype).scatter_(-1, indices, grad_output);
            return new List<Tensor> { grad };
        }

        private static (Tensor Values, Tensor Indices) Sort(Tensor input)
        {
            var source = input.detach().contiguous();
            var values = torch.empty_like(source);
            var indices = torch.empty_like(source, dtype: ScalarType.Int64);
            int length = (int)source.size(-1);
            long rows = source.numel() / length;
            int tasks = (int)Math.Clamp(rows / RowsPerTask, 1, Math.Max(1, torch.get_num_threads()));
            if (tasks == 1) SortRange(source, values, indices, length, 0, rows);
            else
            {
                long per = (rows + tasks - 1) / tasks;
                Parallel.For(0, tasks, t => SortRange(source, values, indices, length, t * per, Math.Min(rows, (t + 1) * per)));
            }
            return (values, indices);
        }

        private static void SortRange(Tensor source, Tensor values, Tensor indices, int length, long firstRow, long endRow)
        {
            if (endRow <= firstRow) return;
            int start = checked((int)(firstRow * length)), count = checked((int)((endRow - firstRow) * length));
            var from = MemoryMarshal.Cast<byte, long>(indices.bytes).Slice(start, count);
            if (source.dtype == ScalarType.Float32)
                RankSort.SortRows(MemoryMarshal.Cast<byte, float>(source.bytes).Slice(start, count), MemoryMarshal.Cast<byte, float>(values.bytes).Slice(start, count), from, length);
            else
                RankSort.SortRows(MemoryMarshal.Cast<byte, double>(source.bytes).Slice(start, count), MemoryMarshal.Cast<byte, double>(values.bytes).Slice(start, count), from, length);
        }
    }
}
