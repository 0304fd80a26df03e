using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Onnx
{
    /// <summary>Plain TorchSharp weight layers (float32) holding the values read from an ONNX file.</summary>
    internal static class PlainLayerFactory
    {
        /// <summary>nn.Linear with <paramref name="weight"/> (out × in, row-major) and an optional bias.</summary>
        public static TorchSharp.Modules.Linear Linear(long inFeatures, long outFeatures, float[] weight, float[]? bias)
        {
            var linear = nn.Linear(inFeatures, outFeatures, hasBias: bias is not null);
            Copy(linear.weight!, weight);
            if (bias is not null) Copy(linear.bias!, bias);
            return linear;
        }

        /// <summary>nn.Conv1d or nn.Conv2d (symmetric padding of <paramref name="mode"/>) with the given kernel (out × in/groups × k…) and bias.</summary>
        public static nn.Module<Tensor, Tensor> Conv(long[] weightDims, float[] weight, float[]? bias, long[] strides, long[] pads, long[] dilations, long groups, PaddingModes mode)
        {
            long outChannels = weightDims[0], inChannels = weightDims[1] * groups;
            var k = weightDims.Skip(2).ToArray();
            TorchSharp.Modules.Convolution conv = k.Length == 1
                ? nn.Conv1d(inChannels, outChannels, k[0], strides[0], pads[0], dilations[0], mode, groups, bias is not null)
                : nn.Conv2d(inChannels, outChannels, (k[0], k[1]), (strides[0], strides[1]), (pads[0], pads[1]), (dilations[0], dilations[1]), mode, groups, bias is not null);
            Copy(conv.weight!, weight);
            if (bias is not null) Copy(conv.bias!, bias);
            return conv;
        }

        /// <summary>A <see cref="Modules.PadConv"/> (TorchLip's convolution with an explicit border) for <paramref name="op"/>, with the given kernel and bias.</summary>
        public static nn.Module<Tensor, Tensor> PadConv(Operators.ConvOperator op, long[] weightDims, float[] weight, float[]? bias)
        {
            long outChannels = weightDims[0], inChannels = weightDims[1] * op.Groups;
            Modules.PadConv conv = op.Dims == 1 ? new Modules.PadConv1d(inChannels, outChannels, op, bias is not null) : new Modules.PadConv2d(inChannels, outChannels, op, bias is not null);
            Copy(conv.weight, weight);
            if (bias is not null) Copy(conv.bias!, bias);
            return conv;
        }

        /// <summary>BatchNorm1d (rank 2 or 3) or BatchNorm2d (rank 4) in eval mode with the file's scale, shift and running statistics.</summary>
        public static nn.Module<Tensor, Tensor> BatchNorm(int rank, float[] scale, float[] shift, float[] mean, float[] variance, double eps)
        {
            long c = scale.Length;
            TorchSharp.Modules.BatchNorm batch = rank == 4 ? nn.BatchNorm2d(c, eps) : nn.BatchNorm1d(c, eps);
            Copy(batch.weight!, scale);
            Copy(batch.bias!, shift);
            Copy(batch.running_mean!, mean);
            Copy(batch.running_var!, variance);
            batch.eval();
            return batch;
        }

        private static void Copy(Tensor target, float[] values)
        {
            if (target.numel() != values.Length)
                throw new InvalidOperationException($"OnnxImport: a tensor of {target.numel()} values was given {values.Length}.");
            using var source = torch.tensor(values).reshape(target.shape);
            using (torch.no_grad()) target.copy_(source);
        }
    }
}
