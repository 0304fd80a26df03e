using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// Certified (provable) robust accuracy at L2 radius ε: the share of samples classified correctly whose certificate
/// exceeds ε, as <c>torchlip.provable_robust_accuracy</c> computes it on the whole set, accumulated batch by batch.
/// Binary (one output, ±1 or 1/0 labels) or multiclass (C outputs, class indices or one-hot rows). Validation only.
/// </summary>
public sealed class CertifiedAccuracy : IEvaluationMetric
{
    /// <summary>Creates the metric.</summary>
    /// <param name="epsilon">The radius ε ≥ 0.</param>
    /// <param name="name">Its column name; default <c>cra_{ε}</c>, e.g. <c>cra_1.58</c>.</param>
    public CertifiedAccuracy(double epsilon, string? name = null)
    {
        if (!(epsilon >= 0) || double.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "CertifiedAccuracy: the radius must be a finite number >= 0.");
        Epsilon = epsilon;
        Name = name ?? DefaultName(epsilon);
    }

    /// <summary>The radius ε.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The default column name at <paramref name="epsilon"/>: <c>cra_</c> and ε in invariant culture.</summary>
    /// <param name="epsilon">The radius.</param>
    public static string DefaultName(double epsilon) => "cra_" + epsilon.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>One metric per radius, with the default names.</summary>
    /// <param name="epsilons">The radii.</param>
    public static IReadOnlyList<CertifiedAccuracy> At(params double[] epsilons) => epsilons.Select(e => new CertifiedAccuracy(e)).ToList();

    /// <inheritdoc/>
    public IMetricAccumulator Start(EvaluationContext context) => new Accumulator(context ?? throw new ArgumentNullException(nameof(context)), Epsilon);

    private sealed class Accumulator(EvaluationContext context, double epsilon) : IMetricAccumulator
    {
        private long _certified, _samples;

        public void Add(Tensor output, Tensor target)
        {
            var (correct, radius) = Certified.Of(output, target, context);
            for (int i = 0; i < correct.Length; i++)
                if (correct[i] && radius[i] > epsilon) _certified++;
            _samples += correct.Length;
        }

        public double Result() => _samples == 0 ? double.NaN : _certified / (double)_samples;
    }
}
