using System;

namespace TorchLip.Modules
{
    /// <summary>
    /// A (height, width) pair for the 2-D layers' sizes (kernel, stride, output size). It converts implicitly from one
    /// integer (the same for both dimensions) and from a pair, so <c>ScaledAvgPool2d(2)</c>,
    /// <c>ScaledAvgPool2d((2, 3))</c> and <c>ScaledAvgPool2d(2, stride: (2, 2))</c> all read as in PyTorch. Two sizes are
    /// equal when their values are: <c>2</c> and <c>(2, 2)</c> are the same size.
    /// </summary>
    /// <param name="Height">Size along the height (dimension 2 of an (N, C, H, W) tensor).</param>
    /// <param name="Width">Size along the width (dimension 3).</param>
    public readonly record struct Size2d(long Height, long Width)
    {
        /// <summary>The same size in both dimensions.</summary>
        /// <param name="size">The size.</param>
        public static implicit operator Size2d(long size) => new(size, size);

        /// <summary>The same size in both dimensions.</summary>
        /// <param name="size">The size.</param>
        public static implicit operator Size2d(int size) => new(size, size);

        /// <summary>A (height, width) pair.</summary>
        /// <param name="size">The pair.</param>
        public static implicit operator Size2d((long height, long width) size) => new(size.height, size.width);

        /// <summary>A (height, width) pair.</summary>
        /// <param name="size">The pair.</param>
        public static implicit operator Size2d((int height, int width) size) => new(size.height, size.width);

        /// <summary>Height·width: the number of elements a window of this size holds.</summary>
        public long Area => Height * Width;

        /// <summary>The pair as an array, the form TorchSharp's functions take.</summary>
        public long[] ToArray() => new[] { Height, Width };

        /// <summary>Python's tuple notation, e.g. <c>(2, 2)</c>.</summary>
        public override string ToString() => FormattableString.Invariant($"({Height}, {Width})");

        internal void CheckPositive(string name, string who)
        {
            if (Height <= 0 || Width <= 0)
                throw new ArgumentOutOfRangeException(name, this, $"{who}: {name} must be positive in both dimensions, got {this}.");
        }
    }
}
