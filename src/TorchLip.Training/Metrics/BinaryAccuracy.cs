using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>The fraction of samples whose score has the sign of their ±1 label (a zero or NaN score counts as wrong).</summary>
public sealed class BinaryAccuracy : IMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">Its column name.</param>
    public BinaryAccuracy(string name = "acc") => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Compute(Tensor output, Tensor target)
    {
        var (scores, labels) = HostValues.Of(output, target);
        long correct = 0;
        for (int i = 0; i < scores.Length; i++)
            if (scores[i] * labels[i] > 0) correct++;
        return correct / (double)scores.Length;
    }
}
