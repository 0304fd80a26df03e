using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// Zero-padded convolution as <c>unfold</c> (im2col) and one matrix product, <c>W(O, C·kh·kw) · cols(N, C·kh·kw, L)</c>,
    /// built from differentiable libtorch operations, so autograd gives the input, weight and bias gradients (the input's
    /// through <c>fold</c>). Same result as <c>nn.functional.conv2d</c> up to the order of the sums.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <b>Correctness first.</b> libtorch 2.10's float32 CPU convolution returns a wrong gradient with respect to its
    /// input on this project's machine in most calls whose output channel count is not a multiple of 16 and whose batch
    /// holds two samples or more: in a grid of 3×3, padding-1 convolutions on 12×12 (batch 2 to 100; input/output channels 1/1,
    /// 1/8, 2/8, 4/4, 4/12, 4/20, 4/24, 4/40, 8/8, 16/4, 16/8, 32/4, 64/8, 1/17) the input gradient differed from float64
    /// by as much as its own size in 34 of the 40 such cells, while every output channel count that is a multiple of 16 (16,
    /// 32, 48, 64, 80) and a batch of one were right; in random shapes (kernels 1-5, strides 1-3, dilations 1-2,
    /// paddings 0-2, up to 8 output channels) 39 % of the float32 input gradients were wrong. Float64, the output and
    /// the weight's gradient were right. This path is exact in both (the tests hold it to libtorch's float64), so
    /// <see cref="Supports"/> takes those calls whatever the speed.
    /// </para>
    /// <para>
    /// <b>Speed.</b> Elsewhere <see cref="Supports"/> is false unless <see cref="Enabled"/> is set, because this path measured slower than
    /// libtorch's own convolution on every shape tried on this project's machine (2-core AMD EPYC VM, libtorch 2.10, one
    /// thread, median of paired calls, ms, libtorch / unfold): 100×1×28×28 → 16, 3×3, padding 1: inference 0.6–0.9 /
    /// 1.6–2.6, forward+backward with the weight's gradient (a first layer) 3.0–3.1 / 8.7–16, with the input's too 5.6–8.3
    /// / 9.9–14; 100×16×14×14 → 32: 1.4–2.1 / 6.6–10, 3.2–3.6 / 14–15, 4.7–4.9 / 21–23 (glibc's defaults and glibc
    /// keeping freed memory); and the same ordering for 2, 3, 4
    /// input channels, 5×5 kernels, stride 2, batch 32 and float64. In the plain twin of the documentation's "Example 4"
    /// network a whole training step took 86 ms with libtorch's convolutions, 103 ms with the first through unfold and 141 ms
    /// with both (glibc told to keep freed memory; 113 / 133 / 360 ms with glibc's defaults, on a loaded machine).
    /// </para>
    /// <para>
    /// The 31–42 ms that libtorch's 1→16 convolution can take on 100×1×28×28 (10× the unfold path) is not its kernel: it
    /// is page faults: in a loop of that call alone, each call faulted in about 2 400 fresh pages (10 MB, 11 µs per fault
    /// on this VM), the temporaries of the oneDNN path landing on a heap top that glibc trims again after the call. The
    /// same loop takes 0.4 ms per call once glibc keeps freed memory (<c>mallopt(M_TRIM_THRESHOLD, 1 GiB)</c>, as the
    /// command-line tool's jobs do), or when what ran before has raised glibc's dynamic thresholds (a few backward
    /// passes did in some runs, not in others); inside a training step it did not show. The remedy is the
    /// allocator's setting, not another kernel; the path stays here, exact and tested, for shapes where it wins on other
    /// machines (it is the usual remedy for few-channel convolutions where a library lacks a direct kernel).
    /// </para>
    /// </remarks>
    internal static class UnfoldConvolution
    {
        /// <summary>
        /// Whether <see cref="Supports"/> takes this path wherever it handles the call: false, as measured slower (see the
        /// class remarks); it still takes the calls where libtorch's gradient is wrong. Tests set it to compare the paths.
        /// </summary>
        internal static bool Enabled { get; set; }

        /// <summary>
        /// Whether <see cref="Conv2d"/> should take the call: it handles the arguments (CPU, float32 or float64, a 4-D
        /// input and weight, one group, non-negative zero padding) and either <see cref="Enabled"/> is set or libtorch's
        /// own float32 convolution would give a wrong input gradient (<see cref="LibtorchInputGradientIsWrong"/>).
        /// </summary>
        public static bool Supports(Tensor input, Tensor weight, long[] stride, long[] padding, long[] dilation, long groups) =>
            (Enabled || LibtorchInputGradientIsWrong(input, weight, groups)) && Handles(input, weight, stride, padding, dilation, groups);

        /// <summary>
        /// Where libtorch 2.10's float32 CPU convolution returned a wrong gradient with respect to its input on this
        /// project's machine: a float32 input that needs a gradient and an output channel count that is not a multiple
        /// of 16 (see the class remarks), and, unmeasured, every grouped float32 convolution whose input needs a gradient.
        /// float64 and the weight's gradient were right everywhere measured.
        /// </summary>
        internal static bool LibtorchInputGradientIsWrong(Tensor input, Tensor weight, long groups = 1) =>
            input.dtype == ScalarType.Float32 && input.requires_grad && torch.is_grad_enabled() && weight.dim() >= 1
            && (groups != 1 || weight.size(0) % 16 != 0);

        /// <summary>The arguments <see cref="Conv2d"/> can compute, whatever its speed.</summary>
        internal static bool Handles(Tensor input, Tensor weight, long[] stride, long[] padding, long[] dilation, long groups) =>
            input.device_type == DeviceType.CPU && weight.device_type == DeviceType.CPU
            && (input.dtype == ScalarType.Float32 || input.dtype == ScalarType.Float64) && weight.dtype == input.dtype
            && input.dim() == 4 && weight.dim() == 4 && groups >= 1 && weight.size(1) * groups == input.size(1)
            && weight.size(0) % groups == 0
            && Pair(stride, 1) && Pair(padding, 0) && Pair(dilation, 1)
            && input.size(2) + 2 * padding[0] >= dilation[0] * (weight.size(2) - 1) + 1
            && input.size(3) + 2 * padding[1] >= dilation[1] * (weight.size(3) - 1) + 1
            && input.numel() > 0;

        private static bool Pair(long[] values, long least) => values.Length == 2 && values[0] >= least && values[1] >= least;

        /// <summary>
        /// <c>nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups)</c> through unfold and one
        /// matrix product per group; differentiable in all three tensors. Call only where <see cref="Handles"/> is true.
        /// </summary>
        public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1)
        {
            long n = input.size(0), outChannels = weight.size(0), kh = weight.size(2), kw = weight.size(3);
            long outH = (input.size(2) + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1;
            long outW = (input.size(3) + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1;
            // (N, C·kh·kw, L), L = outH·outW; the product (O, K)·(N, K, L) = (N, O, L) is already NCHW.
            var columns = nn.functional.unfold(input, (kh, kw), dilation: (dilation[0], dilation[1]),
                padding: (padding[0], padding[1]), stride: (stride[0], stride[1]));
            // Grouped: (N, g, C/g·kh·kw, L) against (g, O/g, C/g·kh·kw), one product per group.
            var output = groups == 1
                ? weight.reshape(outChannels, -1).matmul(columns)
                : weight.reshape(groups, outChannels / groups, -1).matmul(columns.reshape(n, groups, -1, outH * outW)).reshape(n, outChannels, -1);
            if (bias is not null) output = output.add(bias.view(1, outChannels, 1), ScalarCache.Of(1.0));
            return output.view(n, outChannels, outH, outW);
        }
    }
}
