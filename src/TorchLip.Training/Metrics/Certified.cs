using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// Certificates of a batch from the outputs already computed: torchlip's binary or multiclass certificates applied to
/// an identity module over the outputs, with the model's bounds passed in (the library's rules, one forward per batch).
/// </summary>
internal static class Certified
{
    /// <summary>Per sample: classified correctly, and the certified radius of its predicted class.</summary>
    public static (bool[] Correct, double[] Radius) Of(Tensor output, Tensor target, EvaluationContext context)
    {
        using var scope = torch.NewDisposeScope();
        using var identity = nn.Identity();
        long n = output.size(0);
        bool binary = output.dim() == 1 || output.dim() == 2 && output.size(1) == 1;
        double map = context.LipschitzBound, each = context.OutputLipschitzBound;
        Tensor radius;
        bool[] correct;
        if (binary)
        {
            var f = output.reshape(n);
            radius = torchlip.binary_certificates(identity, f, lipschitz_constant: Math.Min(each, map));
            if (target.numel() != n)
                throw new ArgumentException($"A binary classifier's certified metrics need one ±1 (or 1/0) label per sample ({n}), got shape [{string.Join(", ", target.shape)}].", nameof(target));
            var scores = Host(f);
            var labels = Host(target.reshape(n));
            correct = new bool[n];
            for (int i = 0; i < n; i++) correct[i] = scores[i] != 0 && scores[i] > 0 == labels[i] > 0;
        }
        else
        {
            radius = double.IsFinite(map)
                ? torchlip.multiclass_certificates(identity, output, lipschitz_constant: map, output_lipschitz_constant: Math.Min(each, map))
                : torchlip.multiclass_certificates(identity, output, lipschitz_constant: each);
            var (predicted, labels) = ClassLabels.Of(output, target);
            correct = new bool[n];
            for (int i = 0; i < n; i++) correct[i] = predicted[i] == labels[i];
        }
        return (correct, Host(radius));
    }

    private static double[] Host(Tensor t) => t.detach().to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
}
