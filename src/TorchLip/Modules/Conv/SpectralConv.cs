using System;
using System.Linq;
using TorchLip.Constraints;
using TorchLip.Operators;

namespace TorchLip.Modules
{
    /// <summary>
    /// Base of the orthonormalized convolutions (<see cref="SpectralConv1d"/>, <see cref="SpectralConv2d"/>,
    /// <see cref="SpectralConvTranspose2d"/>): the spectral constraint of a preset on the reshaped kernel, divided by the
    /// operator's gain. A subclass says only which operators it takes.
    /// </summary>
    public abstract class SpectralConv : ConstrainedConv
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="in_channels">Input channels.</param>
        /// <param name="out_channels">Output channels.</param>
        /// <param name="conv">The operator.</param>
        /// <param name="dims">The spatial axes the layer takes.</param>
        /// <param name="transposed">Whether the layer is a transposed convolution.</param>
        /// <param name="options">The orthonormalization and its settings; null: the warm start.</param>
        /// <param name="bias">Whether to learn a bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        protected SpectralConv(string name, long in_channels, long out_channels, ConvOperator conv, int dims, bool transposed,
            SpectralOptions? options, bool bias, double k_coef_lip)
            : base(name, in_channels, out_channels, Kernel(conv, name, dims, transposed), conv, bias, WeightConstraint.Spectral(options), k_coef_lip)
            => this.options = options ?? SpectralOptions.WarmStart;

        /// <summary>The orthonormalization and its settings.</summary>
        public SpectralOptions options { get; }

        private static long[] Kernel(ConvOperator conv, string name, int dims, bool transposed)
        {
            ArgumentNullException.ThrowIfNull(conv);
            if (conv.Dims != dims || conv.Transposed != transposed)
                throw new ArgumentException($"{name} needs a {dims}-D{(transposed ? " transposed" : ", non-transposed")} operator.", nameof(conv));
            return conv.Axes.Select(a => a.Kernel).ToArray();
        }
    }
}
