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
        var f = output.detach();
        return new BinaryMetrics(
            ToDouble(TorchLip.torchlip.functional.hkr_loss(f, target, alpha, minMargin)),
            KrOnly(f, target),
            Accuracy(f, target));
    }

    /// <summary>Fraction of samples with sign(score) equal to the label (a zero score counts as wrong).</summary>
    /// <param name="output">Scores, shape (N, 1).</param>
    /// <param name="target">Labels ±1, shape (N, 1).</param>
    public static double Accuracy(Tensor output, Tensor target)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return ToDouble(output.detach().sign().eq(target).to_type(ScalarType.Float64).mean());
    }

    /// <summary>The KR figure alone, without gradient.</summary>
    /// <param name="output">Scores, shape (N, 1).</param>
    /// <param name="target">Labels ±1, shape (N, 1).</param>
    public static double KrOnly(Tensor output, Tensor target)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return ToDouble(TorchLip.torchlip.functional.kr_loss(output.detach(), target));
    }

    private static double ToDouble(Tensor scalar) => scalar.to_type(ScalarType.Float64).item<double>();
}
