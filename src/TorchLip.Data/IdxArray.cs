using System;

namespace TorchLip.Data;

/// <summary>An unsigned-byte array read from an IDX file: its dimensions and its row-major payload.</summary>
public sealed class IdxArray
{
    /// <summary>Wraps a shape and a payload whose length equals the product of the shape.</summary>
    /// <param name="shape">The dimensions, outermost first.</param>
    /// <param name="data">The row-major payload.</param>
    /// <exception cref="ArgumentException">The payload length differs from the product of the dimensions.</exception>
    public IdxArray(int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long product = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension {d}.", nameof(shape));
            product *= d;
        }
        if (product != data.Length)
            throw new ArgumentException($"Payload has {data.Length} bytes but the shape [{string.Join(", ", shape)}] needs {product}.", nameof(data));
        Shape = shape;
        Data = data;
    }

    /// <summary>The dimensions, outermost first (for MNIST images: count, rows, columns).</summary>
    public int[] Shape { get; }

    /// <summary>The row-major payload, one byte per element.</summary>
    public byte[] Data { get; }

    /// <summary>The dimensions as <see cref="long"/>, the form tensor factories take.</summary>
    public long[] LongShape => Array.ConvertAll(Shape, d => (long)d);
}
