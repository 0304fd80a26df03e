using System;
using System.Linq;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>The plain TorchSharp convolution computing what a <see cref="ConvOperator"/> computes with a given kernel.</summary>
    internal static class PlainConv
    {
        /// <summary>
        /// A new <c>nn.Conv1d</c>/<c>nn.Conv2d</c> holding copies of
        /// <paramref name="weight"/> and <paramref name="bias"/>; a <see cref="PadConv2d"/>/<see cref="PadConv1d"/> where
        /// TorchSharp's modules cannot express the padding (symmetric padding beyond one sample, a split "same" border with
        /// a mode other than zeros) and for transposed convolutions (libtorch's float32 <c>conv_transpose2d</c> is not
        /// trusted, see <see cref="PadConv"/>).
        /// </summary>
        public static nn.Module<Tensor, Tensor> Create(ConvOperator op, long inChannels, long outChannels, Tensor weight, Tensor? bias)
        {
            var k = op.Axes.Select(a => a.Kernel).ToArray();
            var s = op.Axes.Select(a => a.Stride).ToArray();
            var d = op.Axes.Select(a => a.Dilation).ToArray();
            var p = op.Axes.Select(a => a.PadBefore).ToArray();
            bool symmetricPads = op.Axes.All(a => a.PadBefore == a.PadAfter);
            var mode = op.Axes[0].Mode;
            // One sample of symmetric padding copies the edge, which is what replicate does.
            if (mode == PaddingMode.Symmetric && op.Axes.All(a => a.PadBefore <= 1 && a.PadAfter <= 1)) mode = PaddingMode.Replicate;
            bool hasBias = bias is not null;
            nn.Module<Tensor, Tensor> module;
            Tensor target;
            Tensor? targetBias;
            if (!op.Transposed && (symmetricPads || mode == PaddingMode.Zeros) && mode != PaddingMode.Symmetric)
            {
                var torchMode = mode switch
                {
                    PaddingMode.Reflect => TorchSharp.PaddingModes.Reflect,
                    PaddingMode.Replicate => TorchSharp.PaddingModes.Replicate,
                    PaddingMode.Circular => TorchSharp.PaddingModes.Circular,
                    _ => TorchSharp.PaddingModes.Zeros,
                };
                if (op.Dims == 1)
                {
                    var m = symmetricPads
                        ? nn.Conv1d(inChannels, outChannels, k[0], s[0], p[0], d[0], torchMode, op.Groups, hasBias, weight.device, weight.dtype)
                        : nn.Conv1d(inChannels, outChannels, k[0], Padding.Same, s[0], d[0], torchMode, op.Groups, hasBias, weight.device, weight.dtype);
                    (module, target, targetBias) = (m, m.weight!, m.bias);
                }
                else
                {
                    var m = symmetricPads
                        ? nn.Conv2d(inChannels, outChannels, (k[0], k[1]), (s[0], s[1]), (p[0], p[1]), (d[0], d[1]), torchMode, op.Groups, hasBias, weight.device, weight.dtype)
                        : nn.Conv2d(inChannels, outChannels, (k[0], k[1]), Padding.Same, (s[0], s[1]), (d[0], d[1]), torchMode, op.Groups, hasBias, weight.device, weight.dtype);
                    (module, target, targetBias) = (m, m.weight!, m.bias);
                }
            }
            else
            {
                PadConv m = op.Dims == 1 ? new PadConv1d(inChannels, outChannels, op, hasBias) : new PadConv2d(inChannels, outChannels, op, hasBias);
                m.to(weight.dtype).to(weight.device);
                (module, target, targetBias) = (m, m.weight, m.bias);
            }
            using (torch.no_grad())
            {
                target.copy_(weight);
                if (bias is not null) targetBias!.copy_(bias);
            }
            return module;
        }
    }
}
