using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>The library's one entry point for 2-D convolutions (a faster path for few channels may take the call).</summary>
    internal static class Convolution
    {
        /// <summary>nn.functional.conv2d's result.</summary>
        public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
            => nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }
}
