using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// The fraction of samples whose largest score is their class: scores (N, C), labels as class indices (N) or one-hot
/// rows (N, C). Exact under batching (a per-sample mean), so it serves training batches and validation alike.
/// </summary>
public sealed class CategoricalAccuracy : IMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">Its column name.</param>
    public CategoricalAccuracy(string name = "acc") => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Compute(Tensor output, Tensor target)
    {
        var (predicted, labels) = ClassLabels.Of(output, target);
        long correct = 0;
        for (int i = 0; i < predicted.Length; i++)
            if (predicted[i] == labels[i]) correct++;
        return predicted.Length == 0 ? double.NaN : correct / (double)predicted.Length;
    }
}
