using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>
/// Certificates of a batch from the outputs already computed: torchlip's binary or multiclass certificates applied to
/// an identity module over the outputs, with the model's bounds passed in (the library's rules, one forward per batch).
/// </summary>
public static class Certified
{
    /// <summary>Per sample: classified correctly, and the certified radius of its predicted class, with the bounds of <paramref name="context"/>.</summary>
    /// <param name="output">The model's outputs on a batch: (N) or (N, 1) for a binary classifier, (N, C) for C classes.</param>
    /// <param name="target">Labels: ±1 (or 1/0) for one output; class indices or one-hot rows for C outputs.</param>
    /// <param name="context">The evaluation, for the model's bounds.</param>
    public static (bool[] Correct, double[] Radius) Of(Tensor output, Tensor target, EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Of(output, target, context.LipschitzBound, context.OutputLipschitzBound);
    }

    /// <summary>
    /// Per sample: classified correctly, and the certified radius of its predicted class, for a model with the given
    /// true bounds (e.g. read from an ONNX file's metadata or computed by <c>torchlip.certify_model</c>).
    /// </summary>
    /// <param name="output">The model's outputs on a batch: (N) or (N, 1) for a binary classifier, (N, C) for C classes.</param>
    /// <param name="target">Labels: ±1 (or 1/0) for one output; class indices or one-hot rows for C outputs.</param>
    /// <param name="map">A true L2 bound of the whole map (+∞ when only <paramref name="each"/> is known).</param>
    /// <param name="each">A true bound of each output coordinate.</param>
    public static (bool[] Correct, double[] Radius) Of(Tensor output, Tensor target, double map, double each)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        using var scope = torch.NewDisposeScope();
        using var identity = nn.Identity();
        long n = output.size(0);
        bool binary = output.dim() == 1 || output.dim() == 2 && output.size(1) == 1;
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
