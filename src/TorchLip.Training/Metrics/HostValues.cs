using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// Scores and ±1 labels copied to host memory once: per batch, a loop over a few hundred values is cheaper than a dozen
/// small tensor operations (and allocates no native Scalar).
/// </summary>
internal static class HostValues
{
    public static (double[] Scores, double[] Labels) Of(Tensor output, Tensor target)
    {
        var scores = Copy(output);
        var labels = Copy(target);
        if (scores.Length != labels.Length || scores.Length == 0)
            throw new ArgumentException($"{scores.Length} scores for {labels.Length} labels: a binary metric needs one ±1 label per score (output (N, 1)).", nameof(target));
        return (scores, labels);
    }

    private static double[] Copy(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        return t.detach().reshape(-1).to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
    }
}
