using System;
using System.Linq;
using TorchLip.Operators;
using TorchSharp;
using TorchSharp.Modules;

namespace TorchLip.Onnx
{
    /// <summary>The per-axis geometry (kernel, stride, dilation, padding before and after, border mode) of a plain TorchSharp convolution.</summary>
    internal static class ConvGeometry
    {
        /// <summary>The axes of <paramref name="conv"/>; throws for what ONNX export does not handle.</summary>
        public static ConvAxis[] Axes(Convolution conv)
        {
            var k = conv.kernel_size;
            if (k.Length is < 1 or > 2)
                throw new NotSupportedException($"OnnxExport: {conv.GetName()} has {k.Length} spatial dimensions; only Conv1d and Conv2d are exported.");
            var mode = conv.padding_mode switch
            {
                PaddingModes.Reflect => PaddingMode.Reflect,
                PaddingModes.Replicate => PaddingMode.Replicate,
                PaddingModes.Circular => PaddingMode.Circular,
                PaddingModes.Zeros => PaddingMode.Zeros,
                _ => throw new NotSupportedException($"OnnxExport: {conv.GetName()} has padding_mode {conv.padding_mode}, which is not exported (zeros, reflect, replicate and circular are)."),
            };
            var stride = Fill(conv.stride, k.Length, 1);
            var dilation = Fill(conv.dilation, k.Length, 1);
            if (conv.padding_type == Padding.Same)
                // PyTorch's "same": the total d·(k − 1) split with the smaller half before.
                return k.Select((kk, i) => new ConvAxis(kk, stride[i], dilation[i], dilation[i] * (kk - 1) / 2, dilation[i] * (kk - 1) - dilation[i] * (kk - 1) / 2, mode)).ToArray();
            var padding = conv.padding_type == Padding.Valid ? new long[k.Length] : Fill(conv.padding, k.Length, 0);
            return k.Select((kk, i) => new ConvAxis(kk, stride[i], dilation[i], padding[i], padding[i], mode)).ToArray();
        }

        private static long[] Fill(long[]? values, int dims, long fallback) =>
            values is null || values.Length == 0 ? Enumerable.Repeat(fallback, dims).ToArray()
            : values.Length == 1 ? Enumerable.Repeat(values[0], dims).ToArray() : values;
    }
}
