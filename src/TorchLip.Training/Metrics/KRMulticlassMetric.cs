using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// The multiclass KR figure: the mean over the classes c of E[f_c | y = c] − E[f_c | y ≠ c] (<c>torchlip.kr_multiclass_loss</c>,
/// an estimate of the average one-vs-all Wasserstein-1 distance for a 1-Lipschitz network). Scores (N, C); labels as
/// class indices (N) or one-hot rows (N, C). Per batch, averaged over an epoch as Keras averages deel-lip's
/// <c>MulticlassKR</c> metric; a class absent from a batch counts as 0.
/// </summary>
public sealed class KRMulticlassMetric : IMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">Its column name.</param>
    public KRMulticlassMetric(string name = "KR") => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Compute(Tensor output, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        return torchlip.kr_multiclass_loss(output, target).to_type(ScalarType.Float64).item<double>();
    }
}
