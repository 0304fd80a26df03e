using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// The KR figure of a ±1 binary classifier: mean score of class +1 minus mean score of class −1 (an estimate of the
/// Wasserstein-1 distance for a 1-Lipschitz network). As <c>kr_loss</c>: a class absent from the batch counts as 0.
/// </summary>
public sealed class KRMetric : IMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">Its column name.</param>
    public KRMetric(string name = "KR") => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Compute(Tensor output, Tensor target)
    {
        var (scores, labels) = HostValues.Of(output, target);
        double positive = 0, negative = 0;
        long positives = 0, negatives = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            if (labels[i] == 1) { positive += scores[i]; positives++; }
            else if (labels[i] == -1) { negative += scores[i]; negatives++; }
        }
        return positive / System.Math.Max(positives, 1) - negative / System.Math.Max(negatives, 1);
    }
}
