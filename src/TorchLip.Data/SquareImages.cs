using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// The toy images of deel-torchlip's "Wasserstein distance estimation" example: 64×64 images, either all black (label
/// −1) or black with a centred square of side ⌊√0.3·64⌋ = 35 pixels valued +1 or −1 (label +1; the sign drawn per image).
/// Every square image is at L2 distance exactly 35 from the black one, so the Wasserstein-1 distance between the two
/// distributions is 35.
/// </summary>
public static class SquareImages
{
    /// <summary>Image side in pixels.</summary>
    public const int Size = 64;

    /// <summary>The share of the image the square covers.</summary>
    public const double AreaFraction = 0.3;

    /// <summary>The square's side in pixels: ⌊√<see cref="AreaFraction"/>·<see cref="Size"/>⌋.</summary>
    public static int Side { get; } = (int)Math.Floor(Math.Sqrt(AreaFraction) * Size);

    /// <summary>The exact Wasserstein-1 distance between the two distributions (= <see cref="Side"/>).</summary>
    public static double Wasserstein1 => Side;

    /// <summary>
    /// <paramref name="count"/> images (count, 64, 64) float32, the first half black (label −1), the second half squares
    /// (label +1), with labels (count, 1).
    /// </summary>
    /// <param name="count">Number of images (even, ≥ 2).</param>
    /// <param name="generator">Draws the squares' signs.</param>
    public static (Tensor X, Tensor Y) Sample(int count, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (count < 2 || count % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(count), count, "SquareImages: the count must be even and >= 2 (half black, half squares).");
        using var scope = NewDisposeScope();
        int half = count / 2, start = (Size - Side) / 2;
        var x = zeros(count, Size, Size);
        using Scalar two = 2f.ToScalar(), one = 1f.ToScalar();
        var signs = randint(0, 2, new long[] { half, 1, 1 }, generator: generator).to_type(ScalarType.Float32).mul(two).sub(one);
        x.narrow(0, half, half).narrow(1, start, Side).narrow(2, start, Side).copy_(signs.expand(half, Side, Side));
        var y = cat(new[] { -ones(half, 1), ones(half, 1) });
        return (x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope());
    }
}
