using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>The three figures the tutorial tracks for a ±1 binary classifier.</summary>
/// <param name="Loss">HKR loss.</param>
/// <param name="Kr">KR loss: mean score of class +1 minus mean score of class −1.</param>
/// <param name="Acc">Fraction of samples with sign(score) equal to the label.</param>
public readonly record struct BinaryMetrics(double Loss, double Kr, double Acc)
{
    /// <summary>Computes the figures without gradient.</summary>
    /// <param name="output">Scores, shape (N, 1).</param>
    /// <param name="target">Labels ±1, shape (N, 1).</param>
    /// <param name="alpha">HKR hinge weight.</param>
    /// <param name="minMargin">HKR margin.</param>
    public static BinaryMetrics Compute(Tensor output, Tensor target, double alpha, double minMargin)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var loss = TorchLip.torchlip.functional.hkr_loss(output.detach(), target, alpha, minMargin);
        return OfBatch(loss, output, target);
    }

    /// <summary>
    /// A training batch's figures from the loss it was trained on and its scores. KR and accuracy are counted on the
    /// host from one copy of the scores and labels: per batch, that is cheaper than a dozen small tensor operations.
    /// </summary>
    /// <param name="loss">The batch's HKR loss (a scalar tensor).</param>
    /// <param name="output">Scores, shape (N, 1) or (N).</param>
    /// <param name="target">Labels ±1, same number of elements.</param>
    public static BinaryMetrics OfBatch(Tensor loss, Tensor output, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var scores = HostValues(output);
        var labels = HostValues(target);
        if (scores.Length != labels.Length || scores.Length == 0)
            throw new ArgumentException($"{scores.Length} scores for {labels.Length} labels: pass one label per score.", nameof(target));
        double positive = 0, negative = 0;
        long positives = 0, negatives = 0, correct = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            double s = scores[i], y = labels[i];
            if (y == 1) { positive += s; positives++; }
            else if (y == -1) { negative += s; negatives++; }
            if (s * y > 0) correct++;   // sign(s) = y for y = ±1; a zero or NaN score counts as wrong
        }
        // As kr_loss: a class missing from the batch contributes 0, so the figure is the other class's mean, never NaN.
        double kr = positive / Math.Max(positives, 1) - negative / Math.Max(negatives, 1);
        return new BinaryMetrics(HostValues(loss)[0], kr, correct / (double)scores.Length);
    }

    private static double[] HostValues(Tensor t) => t.detach().reshape(-1).to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
