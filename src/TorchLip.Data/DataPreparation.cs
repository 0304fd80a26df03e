using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>Data preparation of the deel-torchlip tutorial "HKR classifier on MNIST 0 vs 8".</summary>
public static class DataPreparation
{
    // Named after the tutorial's Python function, so the call reads prepare_data(train, 0, 8) with using static.
    /// <summary>
    /// Keeps the samples of two classes (in their original order), scales pixels to float32 in [0, 1] with shape
    /// (N, 1, 28, 28), and labels them +1 for <paramref name="class_a"/> and -1 for <paramref name="class_b"/>,
    /// as float32 of shape (N, 1).
    /// </summary>
    /// <param name="dataset">The MNIST split; it is left unchanged.</param>
    /// <param name="class_a">The digit labelled +1.</param>
    /// <param name="class_b">The digit labelled -1.</param>
    public static BinaryClassData prepare_data(MnistDataset dataset, int class_a = 0, int class_b = 8)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (class_a is < 0 or >= MnistDataset.ClassCount)
            throw new ArgumentOutOfRangeException(nameof(class_a), class_a, "A class must be a digit 0..9.");
        if (class_b is < 0 or >= MnistDataset.ClassCount)
            throw new ArgumentOutOfRangeException(nameof(class_b), class_b, "A class must be a digit 0..9.");
        if (class_a == class_b)
            throw new ArgumentException($"The two classes must differ, both are {class_a}.", nameof(class_b));

        using var scope = torch.NewDisposeScope();
        var targets = dataset.targets;
        // Explicit Scalars, alive until the end: TorchSharp's implicit ones can be finalized during the native call.
        using Scalar a = class_a.ToScalar(), b = class_b.ToScalar(), full = 255f.ToScalar(), two = 2f.ToScalar(), one = 1f.ToScalar();
        var keep = targets.eq(a).logical_or(targets.eq(b)).nonzero().flatten();
        var isA = targets.index_select(0, keep).eq(a);
        var x = dataset.data.index_select(0, keep).to_type(ScalarType.Float32).div_(full)
            .reshape(-1, 1, MnistDataset.ImageSize, MnistDataset.ImageSize);
        // Only the two classes remain, so 2·[is class_a] − 1 is +1 for class_a and −1 for class_b.
        var y = isA.to_type(ScalarType.Float32).mul(two).sub(one).reshape(-1, 1);
        int classACount = (int)isA.sum().item<long>();
        return new BinaryClassData(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), dataset.Train, class_a, class_b, classACount);
    }
}
