using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// Data preparation of deel-torchlip's tutorials: two classes labelled ±1 ("HKR classifier on MNIST 0 vs 8") and the
/// ten classes as indices (the multiclass tutorials), for MNIST and Fashion-MNIST.
/// </summary>
public static class DataPreparation
{
    // Named after the tutorial's Python function, so the call reads prepare_data(train, 0, 8) with using static.
    /// <summary>
    /// Keeps the samples of two classes (in their original order), scales pixels to float32 in [0, 1] with shape
    /// (N, 1, 28, 28), and labels them +1 for <paramref name="class_a"/> and -1 for <paramref name="class_b"/>,
    /// as float32 of shape (N), as the tutorial's labels are.
    /// </summary>
    /// <param name="dataset">The split (MNIST or Fashion-MNIST); it is left unchanged.</param>
    /// <param name="class_a">The class labelled +1.</param>
    /// <param name="class_b">The class labelled -1.</param>
    public static BinaryClassData prepare_data(IImageDataset dataset, int class_a = 0, int class_b = 8)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int classCount = dataset.classes.Count;
        if (class_a < 0 || class_a >= classCount)
            throw new ArgumentOutOfRangeException(nameof(class_a), class_a, $"A class of {dataset.Name} is 0..{classCount - 1}.");
        if (class_b < 0 || class_b >= classCount)
            throw new ArgumentOutOfRangeException(nameof(class_b), class_b, $"A class of {dataset.Name} is 0..{classCount - 1}.");
        if (class_a == class_b)
            throw new ArgumentException($"The two classes must differ, both are {class_a}.", nameof(class_b));

        using var scope = torch.NewDisposeScope();
        var targets = dataset.targets;
        // Explicit Scalars, alive until the end: TorchSharp's implicit ones can be finalized during the native call.
        using Scalar a = class_a.ToScalar(), b = class_b.ToScalar(), two = 2f.ToScalar(), one = 1f.ToScalar();
        var keep = targets.eq(a).logical_or(targets.eq(b)).nonzero().flatten();
        var isA = targets.index_select(0, keep).eq(a);
        var x = Scaled(dataset.data.index_select(0, keep));
        // Only the two classes remain, so 2·[is class_a] − 1 is +1 for class_a and −1 for class_b.
        var y = isA.to_type(ScalarType.Float32).mul(two).sub(one);
        int classACount = (int)isA.sum().item<long>();
        return new BinaryClassData(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), dataset.Train, class_a, class_b, classACount);
    }

    /// <summary>
    /// Every sample of a ten-class split, in order: pixels as float32 in [0, 1] with shape (N, 1, 28, 28), labels as
    /// int64 class indices with shape (N) (<see cref="MulticlassData.one_hot"/> gives them one-hot).
    /// </summary>
    /// <param name="dataset">The split (MNIST or Fashion-MNIST); it is left unchanged.</param>
    public static MulticlassData prepare_multiclass(IImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        using var scope = torch.NewDisposeScope();
        var x = Scaled(dataset.data);
        var y = dataset.targets.to_type(ScalarType.Int64).clone();
        return new MulticlassData(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), dataset.Train, dataset.Name, dataset.classes);
    }

    /// <summary>
    /// Class indices (N) as one-hot rows: float32 of shape (N, <paramref name="num_classes"/>), <paramref name="on"/>
    /// at each sample's class and <paramref name="off"/> elsewhere (for example on: 1, off: -1 for ±1 targets).
    /// </summary>
    /// <param name="labels">Integer class indices of shape (N), each in 0..num_classes − 1.</param>
    /// <param name="num_classes">The number of classes C.</param>
    /// <param name="on">The value at a sample's class.</param>
    /// <param name="off">The value at the other classes.</param>
    public static Tensor one_hot(Tensor labels, int num_classes, float on = 1f, float off = 0f)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (num_classes < 1)
            throw new ArgumentOutOfRangeException(nameof(num_classes), num_classes, "one_hot: give at least one class.");
        if (labels.dim() != 1 || labels.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            throw new ArgumentException($"one_hot: labels must be integer class indices of shape (N), got {labels.dtype} of shape ({string.Join(", ", labels.shape)}).", nameof(labels));
        using var scope = torch.NewDisposeScope();
        var indices = labels.to_type(ScalarType.Int64);
        if (indices.numel() > 0)
        {
            long min = indices.min().item<long>(), max = indices.max().item<long>();
            if (min < 0 || max >= num_classes)
                throw new ArgumentException($"one_hot: labels must lie in 0..{num_classes - 1}, found values in {min}..{max}.", nameof(labels));
        }
        using Scalar offValue = off.ToScalar(), onValue = on.ToScalar();
        var isClass = torch.nn.functional.one_hot(indices, num_classes).to_type(ScalarType.Bool);
        var result = torch.full(new long[] { indices.shape[0], num_classes }, offValue, dtype: ScalarType.Float32, device: labels.device);
        result.masked_fill_(isClass, onValue);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>uint8 images (N, 28, 28) as float32 (N, 1, 28, 28) in [0, 1].</summary>
    private static Tensor Scaled(Tensor images)
    {
        using Scalar full = 255f.ToScalar();
        return images.to_type(ScalarType.Float32).div_(full).reshape(-1, 1, ImageSplit.ImageSize, ImageSplit.ImageSize);
    }
}
