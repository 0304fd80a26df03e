using System;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>The hinge term of a ±1 binary classifier, mean of relu(m − y·f) (as <c>hinge_margin_loss</c>).</summary>
public sealed class HingeMetric : IMetric
{
    private readonly double _margin;

    /// <summary>Creates the metric.</summary>
    /// <param name="min_margin">The margin m (≥ 0).</param>
    /// <param name="name">Its column name.</param>
    public HingeMetric(double min_margin, string name = "hinge")
    {
        if (!(min_margin >= 0) || double.IsInfinity(min_margin))
            throw new ArgumentOutOfRangeException(nameof(min_margin), min_margin, "HingeMetric: the margin must be a finite number >= 0.");
        _margin = min_margin;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Compute(Tensor output, Tensor target)
    {
        var (scores, labels) = HostValues.Of(output, target);
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
            sum += Math.Max(0, _margin - (labels[i] > 0 ? 1 : -1) * scores[i]);
        return sum / scores.Length;
    }
}
