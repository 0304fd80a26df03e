using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// The two-moons data set, generated (scikit-learn's <c>make_moons</c> construction): ⌊n/2⌋ points on the upper half
/// circle (cos t, sin t), t = π·i/(⌊n/2⌋ − 1), labelled +1, and the other ⌈n/2⌉ on the shifted lower one
/// (1 − cos t, 1/2 − sin t), labelled −1; Gaussian noise of standard deviation <c>noise</c> is added to both
/// coordinates, and the points are shuffled. Everything is drawn from one private generator seeded with <c>seed</c>.
/// </summary>
public static class TwoMoons
{
    /// <summary>Generates the points (n, 2) float32 and their labels (n, 1), +1 for the upper moon, −1 for the lower.</summary>
    /// <param name="samples">Number of points (≥ 2).</param>
    /// <param name="noise">Standard deviation of the Gaussian noise (≥ 0).</param>
    /// <param name="seed">Seed of the noise and of the order.</param>
    public static (Tensor X, Tensor Y) Generate(int samples = 5000, double noise = 0.05, long seed = 0)
    {
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "TwoMoons: give at least 2 samples (one per moon).");
        if (!(noise >= 0) || double.IsInfinity(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "TwoMoons: noise must be a finite standard deviation >= 0.");
        using var scope = NewDisposeScope();
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        int upper = samples / 2, lower = samples - upper;
        // Explicit Scalars, alive until the end: TorchSharp's implicit ones can be finalized during the native call.
        using Scalar one = 1.0.ToScalar(), half = 0.5.ToScalar(), spread = noise.ToScalar();
        var tUpper = linspace(0, Math.PI, upper, dtype: ScalarType.Float64);
        var tLower = linspace(0, Math.PI, lower, dtype: ScalarType.Float64);
        var points = cat(new[]
        {
            stack(new[] { tUpper.cos(), tUpper.sin() }, 1),
            stack(new[] { tLower.cos().neg().add(one, one), tLower.sin().neg().add(half, one) }, 1),
        });
        points = points.add(randn(samples, 2, dtype: ScalarType.Float64, generator: generator).mul(spread), one);
        var labels = cat(new[] { ones(upper, 1), -ones(lower, 1) });
        var order = randperm(samples, generator: generator);
        return (points.index_select(0, order).to_type(ScalarType.Float32).MoveToOuterDisposeScope(), labels.index_select(0, order).MoveToOuterDisposeScope());
    }
}
