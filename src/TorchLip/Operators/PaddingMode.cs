using System;

namespace TorchLip.Operators
{
    /// <summary>How a convolution fills the border it pads (PyTorch's <c>padding_mode</c>, plus numpy's "symmetric").</summary>
    public enum PaddingMode
    {
        /// <summary>Zeros outside the input.</summary>
        Zeros,

        /// <summary>Mirror without repeating the edge sample (torch "reflect"): d c b | a b c d | c b a.</summary>
        Reflect,

        /// <summary>The edge sample repeated (torch "replicate"): a a a | a b c d | d d d.</summary>
        Replicate,

        /// <summary>Wrap around (torch "circular"): b c d | a b c d | a b c.</summary>
        Circular,

        /// <summary>Mirror including the edge sample (numpy "symmetric", deel-torchlip's extra mode): c b a | a b c d | d c b.</summary>
        Symmetric,
    }

    /// <summary>Parsing and printing of <see cref="PaddingMode"/> with PyTorch's names.</summary>
    internal static class PaddingModeNames
    {
        /// <summary>The mode named <paramref name="name"/> ("zeros", "reflect", "replicate", "circular", "symmetric").</summary>
        /// <param name="name">PyTorch's name of the mode.</param>
        /// <exception cref="ArgumentException">An unknown name; the message lists the valid ones.</exception>
        public static PaddingMode Parse(string name) => name switch
        {
            "zeros" => PaddingMode.Zeros,
            "reflect" => PaddingMode.Reflect,
            "replicate" => PaddingMode.Replicate,
            "circular" => PaddingMode.Circular,
            "symmetric" => PaddingMode.Symmetric,
            _ => throw new ArgumentException(
                $"padding_mode must be one of \"zeros\", \"reflect\", \"replicate\", \"circular\", \"symmetric\", got \"{name}\" " +
                "(\"constant\" with a non-zero value is not a Lipschitz-friendly border and is not supported).", "padding_mode"),
        };

        /// <summary>PyTorch's name of <paramref name="mode"/>.</summary>
        /// <param name="mode">The mode.</param>
        public static string Name(PaddingMode mode) => mode switch
        {
            PaddingMode.Zeros => "zeros",
            PaddingMode.Reflect => "reflect",
            PaddingMode.Replicate => "replicate",
            PaddingMode.Circular => "circular",
            _ => "symmetric",
        };
    }
}
