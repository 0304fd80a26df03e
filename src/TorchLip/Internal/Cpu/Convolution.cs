using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// The library's one entry point for zero-padded convolutions: the convolution layers call these in training and in
    /// eval mode (their exports are plain <c>nn.Conv1d</c>/<c>nn.Conv2d</c>). Takes the unfold path where libtorch's
    /// float32 input gradient was wrong here or where that path is enabled (<see cref="UnfoldConvolution.Supports"/>),
    /// libtorch's convolution elsewhere, which measured faster; padding modes other than zeros are applied by an explicit
    /// pad before the call.
    /// </summary>
    internal static class Convolution
    {
        /// <summary>Same result as <c>nn.functional.conv2d</c> with zero padding; differentiable.</summary>
        /// <param name="input">(N, C, H, W).</param>
        /// <param name="weight">(O, C / groups, kh, kw).</param>
        /// <param name="bias">(O) or null.</param>
        /// <param name="stride">Two strides.</param>
        /// <param name="padding">Two zero paddings (each side).</param>
        /// <param name="dilation">Two dilations.</param>
        /// <param name="groups">Groups.</param>
        public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1) =>
            UnfoldConvolution.Supports(input, weight, stride, padding, dilation, groups)
                ? UnfoldConvolution.Conv2d(input, weight, bias, stride, padding, dilation, groups)
                : nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);

        /// <summary>Same result as <c>nn.functional.conv1d</c> with zero padding; differentiable.</summary>
        /// <param name="input">(N, C, L).</param>
        /// <param name="weight">(O, C / groups, k).</param>
        /// <param name="bias">(O) or null.</param>
        /// <param name="stride">Stride.</param>
        /// <param name="padding">Zero padding (each side).</param>
        /// <param name="dilation">Dilation.</param>
        /// <param name="groups">Groups.</param>
        public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias, long stride = 1, long padding = 0, long dilation = 1, long groups = 1)
        {
            if (input.dim() == 3 && weight.dim() == 3)
            {
                // As a 2-D convolution of height 1, so that the 2-D fast path serves it too.
                long[] stride2 = { 1, stride }, padding2 = { 0, padding }, dilation2 = { 1, dilation };
                var input2 = input.unsqueeze(2);
                var weight2 = weight.unsqueeze(2);
                if (UnfoldConvolution.Supports(input2, weight2, stride2, padding2, dilation2, groups))
                    return UnfoldConvolution.Conv2d(input2, weight2, bias, stride2, padding2, dilation2, groups).squeeze(2);
            }
            return nn.functional.conv1d(input, weight, bias, stride, padding, dilation, groups);
        }
    }
}
