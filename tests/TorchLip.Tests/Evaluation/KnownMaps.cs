using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>Linear maps with a prescribed spectrum, for checking estimates against exact values.</summary>
internal static class KnownMaps
{
    /// <summary>An (out, in) matrix U·diag(sigma)·Vᵀ with random orthonormal U, V (float64).</summary>
    public static Tensor Matrix(long outFeatures, long inFeatures, double[] sigma, long seed)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator((ulong)seed);
        long r = sigma.Length;
        var (u, _) = torch.linalg.qr(torch.randn(outFeatures, r, dtype: ScalarType.Float64, generator: generator));
        var (v, _) = torch.linalg.qr(torch.randn(inFeatures, r, dtype: ScalarType.Float64, generator: generator));
        var s = torch.tensor(sigma, dtype: ScalarType.Float64);
        return (u * s).mm(v.t()).MoveToOuterDisposeScope();
    }

    /// <summary>A plain nn.Linear (no bias) applying <see cref="Matrix"/>.</summary>
    public static TorchSharp.Modules.Linear Linear(long outFeatures, long inFeatures, double[] sigma, long seed, ScalarType dtype = ScalarType.Float32)
    {
        var linear = nn.Linear(inFeatures, outFeatures, hasBias: false, dtype: dtype);
        using var noGrad = torch.no_grad();
        using var w = Matrix(outFeatures, inFeatures, sigma, seed);
        linear.weight!.copy_(w);
        return linear;
    }
}
