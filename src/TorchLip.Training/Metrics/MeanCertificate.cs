using System;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// The mean certified L2 radius of the predicted class over all samples (<c>torchlip.binary_certificates</c> or
/// <c>multiclass_certificates</c>), accumulated batch by batch. Validation only.
/// </summary>
public sealed class MeanCertificate : IEvaluationMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="name">Its column name.</param>
    public MeanCertificate(string name = "mean_certificate") => Name = name;

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IMetricAccumulator Start(EvaluationContext context) => new Accumulator(context ?? throw new ArgumentNullException(nameof(context)));

    private sealed class Accumulator(EvaluationContext context) : IMetricAccumulator
    {
        private double _sum;
        private long _samples;

        public void Add(Tensor output, Tensor target)
        {
            var (_, radius) = Certified.Of(output, target, context);
            foreach (var r in radius) _sum += r;
            _samples += radius.Length;
        }

        public double Result() => _samples == 0 ? double.NaN : _sum / _samples;
    }
}
