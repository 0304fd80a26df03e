using System;
using System.Linq;
using TorchLip.Modules;
using TorchLip.Normalizers;
using TorchLip.Operators;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Evaluation
{
    /// <summary>
    /// The operator norm of a convolution layer for one input size, measured two ways (power iteration, a lower estimate;
    /// the float64 SVD of the operator's matrix, exact, small inputs only), beside the rigorous bound the layer certifies.
    /// </summary>
    /// <remarks>
    /// Takes a TorchLip convolution (its applied, eval-mode kernel), a <see cref="PadConv"/>, or a plain TorchSharp
    /// convolution. The bias does not enter an operator norm. Measured here: deel-torchlip 1.0.5's SpectralConv2d(1, 16, 3,
    /// padding 1) claims 1 for every padding mode, but its operator norm on a 12×12 input is 1.33 with "reflect" padding;
    /// TorchLip's layer divides by √16 there instead of √9 (see <see cref="ConvAxis"/>).
    /// </remarks>
    public static class OperatorNorms
    {
        /// <summary>Power iteration on the operator and its adjoint: a lower estimate of ‖conv‖₂ on inputs of <paramref name="input_size"/>.</summary>
        /// <param name="conv">The convolution layer.</param>
        /// <param name="input_size">Input spatial size ((L) or (H, W)).</param>
        /// <param name="iterations">Power iterations.</param>
        public static double PowerIteration(nn.Module conv, long[] input_size, int iterations = 100)
        {
            var (weight, op, channels) = Parts(conv);
            return op.PowerIterationNorm(weight, channels, input_size, iterations);
        }

        /// <summary>The exact ‖conv‖₂ on inputs of <paramref name="input_size"/>: the largest singular value of the operator's matrix (at most 4096 input values).</summary>
        /// <param name="conv">The convolution layer.</param>
        /// <param name="input_size">Input spatial size ((L) or (H, W)).</param>
        public static double Exact(nn.Module conv, long[] input_size)
        {
            var (weight, op, channels) = Parts(conv);
            return op.ExactNorm(weight, channels, input_size);
        }

        /// <summary>
        /// The rigorous bound of the layer's map: for a TorchLip layer the constant it certifies (k, for every input size;
        /// with <paramref name="input_size"/>, the tighter bound for that size), for another convolution the operator's gain
        /// times a float64 certificate of its kernel's spectral norm.
        /// </summary>
        /// <param name="conv">The convolution layer.</param>
        /// <param name="input_size">Input spatial size, or null for every size.</param>
        public static double Bound(nn.Module conv, long[]? input_size = null)
        {
            if (conv is ConstrainedConv c) return input_size is null ? c.lipschitz_constant : c.lipschitz_bound_for(input_size);
            var (weight, op, _) = Parts(conv);
            double sigma = SpectralCertificate.UpperBound(weight);
            return (input_size is null ? op.Gain : op.GainFor(input_size)) * sigma;
        }

        private static (Tensor weight, ConvOperator op, long channels) Parts(nn.Module conv) =>
            TryParts(conv) ?? throw new ArgumentException($"{conv?.GetName()}: not a convolution layer (a TorchLip convolution, PadConv1d/2d, or TorchSharp's Conv1d/Conv2d/ConvTranspose1d/2d).", nameof(conv));

        /// <summary>A convolution's applied (eval-mode) kernel, operator and input channels; null for a module that is not a convolution.</summary>
        internal static (Tensor weight, ConvOperator op, long channels)? TryParts(nn.Module conv) => conv switch
        {
            ConstrainedConv c => (EvalWeight(c), c.conv_operator, c.in_channels),
            PadConv p => (p.weight, p.conv_operator, p.in_channels),
            Convolution plain => (plain.weight!, PlainModules.Operator(plain), plain.in_channels),
            _ => null,
        };

        private static Tensor EvalWeight(ConstrainedConv c)
        {
            using var mode = new EvalModeScope(c);
            return c.effective_weight().clone();
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>A lower estimate of a convolution's operator norm on inputs of one size (power iteration). See <see cref="Evaluation.OperatorNorms.PowerIteration"/>.</summary>
        /// <param name="conv">A TorchLip, PadConv or TorchSharp convolution.</param>
        /// <param name="input_size">Input spatial size.</param>
        /// <param name="iterations">Power iterations.</param>
        public static double conv_operator_norm(nn.Module conv, long[] input_size, int iterations = 100) => Evaluation.OperatorNorms.PowerIteration(conv, input_size, iterations);

        /// <summary>A convolution's exact operator norm on small inputs (SVD of its matrix). See <see cref="Evaluation.OperatorNorms.Exact"/>.</summary>
        /// <param name="conv">A TorchLip, PadConv or TorchSharp convolution.</param>
        /// <param name="input_size">Input spatial size (at most 4096 input values with the channels).</param>
        public static double conv_operator_norm_exact(nn.Module conv, long[] input_size) => Evaluation.OperatorNorms.Exact(conv, input_size);

        /// <summary>The rigorous bound a convolution's map is certified to. See <see cref="Evaluation.OperatorNorms.Bound"/>.</summary>
        /// <param name="conv">A TorchLip, PadConv or TorchSharp convolution.</param>
        /// <param name="input_size">Input spatial size, or null for every size.</param>
        public static double conv_lipschitz_bound(nn.Module conv, long[]? input_size = null) => Evaluation.OperatorNorms.Bound(conv, input_size);

        /// <summary>
        /// deel-torchlip's convolution coefficient (<c>compute_lconv_coef</c>), for porting: √(1/(⌈k₁/s₁⌉·⌈k₂/s₂⌉)), or
        /// with an input shape and zero padding at stride 1 its average-count formula. TorchLip's layers do not use it:
        /// they divide by their operator's gain (<see cref="Operators.ConvOperator.Gain"/>), which also holds for the
        /// padding modes where this coefficient is no bound, and the input-shape formula divides by an average count,
        /// not the largest (1.024-Lipschitz layers on 28×28 with an orthonormal kernel).
        /// </summary>
        /// <param name="kernel_size">(k₁, k₂).</param>
        /// <param name="input_shape">(H, W) or null.</param>
        /// <param name="strides">(s₁, s₂).</param>
        /// <param name="padding_mode">The padding mode (the formula only tells zeros apart).</param>
        public static double compute_lconv_coef((long, long) kernel_size, (long, long)? input_shape = null, (long, long)? strides = null, string padding_mode = "zeros")
        {
            var (k1, k2) = kernel_size;
            var (s1, s2) = strides ?? (1, 1);
            if (padding_mode == "zeros" && s1 * s2 == 1 && input_shape is var (h, w))
            {
                long d1 = (k1 - 1) / 2, d2 = (k2 - 1) / 2;
                return Math.Sqrt((double)h * w / ((k1 * h - d1 * (d1 + 1)) * (double)(k2 * w - d2 * (d2 + 1))));
            }
            return Math.Sqrt(1.0 / (CeilDiv(k1, s1) * CeilDiv(k2, s2)));
        }

        /// <summary>
        /// deel-torchlip's 1-D coefficient (<c>compute_lconv_coef_1d</c>), for porting: 1/⌈k/s⌉ (no square root, which makes
        /// its 1-D layers more contractive than needed), or L/(k·L − d(d + 1)) with a length and zero padding at stride 1.
        /// <see cref="Modules.SpectralConv1d"/> divides by its operator's gain (√3 for k = 3) instead.
        /// </summary>
        /// <param name="kernel_size">k.</param>
        /// <param name="input_length">L or null.</param>
        /// <param name="stride">s.</param>
        public static double compute_lconv_coef_1d(long kernel_size, long? input_length = null, long stride = 1)
        {
            if (stride == 1 && input_length is long l)
            {
                long d = (kernel_size - 1) / 2;
                return (double)l / (kernel_size * l - d * (d + 1));
            }
            return 1.0 / CeilDiv(kernel_size, stride);
        }

        private static double CeilDiv(long a, long b) => (a + b - 1) / b;
    }
}
