using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchSharp;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The step every multiclass job ends with: the certificates of some test images, the minimal L2 attack on the same
/// images (inside [0, 1]), the violations it finds (a distance below its certificate: must be none) and the robustness
/// curves. One home for what <c>torchlip mnist</c> and <c>torchlip fashion-mnist</c> report.
/// </summary>
public sealed class AttackCheck
{
    /// <summary>Radii of the curves: 0 to 3 in steps of 0.05.</summary>
    public static IReadOnlyList<double> CurveRadii { get; } = Enumerable.Range(0, 61).Select(i => i * 0.05).ToList();

    private AttackCheck(double[] certificates, double[] distances, long[] labels, long[] predicted, long[] adversarialClasses,
        Tensor adversarial, long found, long violations, double tightestRatio, double seconds)
    {
        (Certificates, Distances, Labels, Predicted, AdversarialClasses, Adversarial) = (certificates, distances, labels, predicted, adversarialClasses, adversarial);
        (Found, Violations, TightestRatio, Seconds) = (found, violations, tightestRatio, seconds);
    }

    /// <summary>Certified radius of each image's predicted class.</summary>
    public double[] Certificates { get; }

    /// <summary>L2 distance of each image's adversarial example (+∞ where none was found).</summary>
    public double[] Distances { get; }

    /// <summary>True classes.</summary>
    public long[] Labels { get; }

    /// <summary>Predicted classes of the clean images.</summary>
    public long[] Predicted { get; }

    /// <summary>Predicted classes of the adversarial examples.</summary>
    public long[] AdversarialClasses { get; }

    /// <summary>The adversarial examples (owned by the caller's dispose scope).</summary>
    public Tensor Adversarial { get; }

    /// <summary>Images whose decision the attack changed.</summary>
    public long Found { get; }

    /// <summary>Images whose attack distance is below their certificate: 0 when the certificates are sound.</summary>
    public long Violations { get; }

    /// <summary>Smallest distance / certificate (≥ 1 when sound).</summary>
    public double TightestRatio { get; }

    /// <summary>Wall time of the certificates and the attack.</summary>
    public double Seconds { get; }

    /// <summary>Images attacked.</summary>
    public int Samples => Distances.Length;

    /// <summary>Whether image <paramref name="i"/> is classified correctly.</summary>
    public bool Correct(int i) => Predicted[i] == Labels[i];

    /// <summary>Median distance over the attacked images (+∞ counted for those not flipped).</summary>
    public double MedianDistance
    {
        get
        {
            var sorted = Distances.OrderBy(d => d).ToArray();
            int n = sorted.Length;
            return n == 0 ? double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }

    /// <summary>Certified and empirical robust accuracy by radius (<see cref="CurveRadii"/>).</summary>
    public IReadOnlyList<RobustnessPoint> Curve => CurveRadii.Select(eps => new RobustnessPoint(eps,
        Share(i => Certificates[i] > eps), Share(i => Distances[i] > eps))).ToList();

    /// <summary>Certifies and attacks <paramref name="images"/> (pixels in [0, 1]) of classes <paramref name="labels"/>.</summary>
    /// <param name="model">The classifier, in eval mode.</param>
    /// <param name="images">Images, (N, ...).</param>
    /// <param name="labels">Class indices, (N).</param>
    /// <param name="steps">PGD steps per radius.</param>
    /// <param name="rounds">Radius updates per image.</param>
    /// <param name="seed">Seed of the attack's fallback directions.</param>
    /// <returns>The check; its tensors belong to the caller's dispose scope.</returns>
    public static AttackCheck Run(nn.Module<Tensor, Tensor> model, Tensor images, Tensor labels, int steps, int rounds, long seed)
    {
        var watch = Stopwatch.StartNew();
        var radii = multiclass_certificates(model, images);
        var result = minimal_l2_attack(model, images, lower: 0, upper: 1, steps: steps, rounds: rounds, seed: seed);
        double seconds = watch.Elapsed.TotalSeconds;
        var violations = certificate_violations(radii, result);
        long[] predicted, twin;
        using (no_grad())
        {
            predicted = model.call(images).argmax(1).cpu().data<long>().ToArray();
            twin = model.call(result.Adversarial).argmax(1).cpu().data<long>().ToArray();
        }
        return new AttackCheck(radii.to_type(ScalarType.Float64).cpu().data<double>().ToArray(), result.Distances.cpu().data<double>().ToArray(),
            labels.cpu().data<long>().ToArray(), predicted, twin, result.Adversarial, violations.Found, violations.Violations, violations.TightestRatio, seconds);
    }

    /// <summary>The report's summary of this check.</summary>
    /// <param name="steps">PGD steps per radius it ran.</param>
    /// <param name="rounds">Radius updates per image it ran.</param>
    /// <param name="fooled">The images a job shows (fashion-mnist's fooling picture), else null.</param>
    public AttackReport Report(int steps, int rounds, IReadOnlyList<FooledImage>? fooled = null) =>
        new(Samples, Found, MedianDistance, Violations, TightestRatio, steps, rounds, Seconds, Curve, fooled);

    // Share of all attacked images that are classified correctly and satisfy holds.
    private double Share(Func<int, bool> holds) =>
        Samples == 0 ? 0 : Enumerable.Range(0, Samples).Count(i => Correct(i) && holds(i)) / (double)Samples;
}

/// <summary>The attack check of a report.</summary>
/// <param name="Samples">Images attacked.</param>
/// <param name="Found">Images whose decision the attack changed.</param>
/// <param name="MedianDistance">Median L2 distance over the attacked images (+∞ counted for those not flipped).</param>
/// <param name="CertificateViolations">Images whose attack distance is below their certificate: must be 0.</param>
/// <param name="TightestRatio">Smallest attack distance / certificate (≥ 1 when sound).</param>
/// <param name="Steps">PGD steps per radius.</param>
/// <param name="Rounds">Radius updates per image.</param>
/// <param name="Seconds">Wall time of the certificates and the attack.</param>
/// <param name="Curve">Certified and empirical robust accuracy on the attacked images, by radius.</param>
/// <param name="Fooled">The images of a fooling picture, where the job draws one.</param>
public sealed record AttackReport(int Samples, long Found, double MedianDistance, long CertificateViolations, double TightestRatio,
    int Steps, int Rounds, double Seconds, IReadOnlyList<RobustnessPoint> Curve, IReadOnlyList<FooledImage>? Fooled = null);

/// <summary>One radius of the robustness curves.</summary>
/// <param name="Epsilon">L2 radius.</param>
/// <param name="Certified">Share classified correctly with a certificate above ε.</param>
/// <param name="Empirical">Share classified correctly that the attack did not flip within ε (an upper bound of the true robust accuracy).</param>
public sealed record RobustnessPoint(double Epsilon, double Certified, double Empirical);

/// <summary>One image of a fooling picture.</summary>
/// <param name="Index">Its index in the test set.</param>
/// <param name="Label">Its class.</param>
/// <param name="Adversarial">The class of its adversarial twin.</param>
/// <param name="Certificate">Its certified radius.</param>
/// <param name="Distance">The L2 distance of the twin.</param>
public sealed record FooledImage(int Index, string Label, string Adversarial, double Certificate, double Distance);
