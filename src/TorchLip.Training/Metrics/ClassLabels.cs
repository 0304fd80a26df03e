using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>Predicted and true classes of a batch on the host: argmax of (N, C) scores against class indices (N) or one-hot rows (N, C).</summary>
internal static class ClassLabels
{
    public static (long[] Predicted, long[] Labels) Of(Tensor output, Tensor target)
    {
        if (output.dim() != 2 || output.size(1) < 2)
            throw new ArgumentException($"A multiclass metric needs scores of shape (N, C), C ≥ 2, got [{string.Join(", ", output.shape)}] (a binary classifier's metrics are BinaryAccuracy and the certified ones).", nameof(output));
        long n = output.size(0);
        using var scope = torch.NewDisposeScope();
        var predicted = output.argmax(1);
        Tensor classes;
        if (target.dim() == 2 && target.size(0) == n && target.size(1) == output.size(1)) classes = target.argmax(1);
        else if (target.numel() == n && !target.is_floating_point()) classes = target.reshape(n);
        else if (target.numel() == n) classes = target.reshape(n).to_type(ScalarType.Int64);
        else
            throw new ArgumentException($"Labels must be class indices (N) or one-hot rows (N, C) for {n} samples of {output.size(1)} classes, got shape [{string.Join(", ", target.shape)}].", nameof(target));
        return (Host(predicted), Host(classes));
    }

    private static long[] Host(Tensor t) => t.to_type(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
}
