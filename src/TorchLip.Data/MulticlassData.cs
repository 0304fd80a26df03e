using System;
using System.Collections.Generic;
using System.Globalization;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// A ten-class split prepared for a multiclass classifier: images scaled to [0, 1] and class indices, as built by
/// <see cref="DataPreparation.prepare_multiclass"/>.
/// </summary>
public sealed class MulticlassData : IDisposable
{
    /// <summary>Wraps prepared tensors, taking ownership of both.</summary>
    /// <param name="x">Images: float32, shape (N, 1, 28, 28), values in [0, 1].</param>
    /// <param name="y">Labels: int64 class indices, shape (N).</param>
    /// <param name="train">True when taken from the training split.</param>
    /// <param name="name">The data set's name, for example <c>MNIST</c>.</param>
    /// <param name="classes">The class names, by label.</param>
    /// <exception cref="ArgumentException">The labels are not int64 of shape (N), or x and y differ in N.</exception>
    public MulticlassData(Tensor x, Tensor y, bool train, string name, IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(classes);
        if (y.dim() != 1 || y.dtype != ScalarType.Int64)
            throw new ArgumentException($"Class labels must be int64 of shape (N), got {y.dtype} of shape ({string.Join(", ", y.shape)}).", nameof(y));
        if (x.dim() == 0 || x.shape[0] != y.shape[0])
            throw new ArgumentException($"x has {(x.dim() == 0 ? 0 : x.shape[0])} samples but y has {y.shape[0]}.", nameof(y));
        this.x = x;
        this.y = y;
        Train = train;
        Name = name;
        this.classes = classes;
    }

    // Lowercase names mirror the tutorial's tensors.
    /// <summary>Images: float32, shape (N, 1, 28, 28), values in [0, 1].</summary>
    public Tensor x { get; }

    /// <summary>Labels: int64 class indices, shape (N).</summary>
    public Tensor y { get; }

    /// <summary>The class names, by label.</summary>
    public IReadOnlyList<string> classes { get; }

    /// <summary>The data set's name.</summary>
    public string Name { get; }

    /// <summary>True when taken from the training split.</summary>
    public bool Train { get; }

    /// <summary>The number of samples N.</summary>
    public int Count => (int)x.shape[0];

    /// <summary>The number of classes C.</summary>
    public int ClassCount => classes.Count;

    /// <summary>The labels one-hot: float32 (N, C), <paramref name="on"/> at each sample's class, <paramref name="off"/> elsewhere.</summary>
    /// <param name="on">The value at a sample's class.</param>
    /// <param name="off">The value at the other classes.</param>
    public Tensor one_hot(float on = 1f, float off = 0f) => DataPreparation.one_hot(y, ClassCount, on, off);

    /// <summary>How many samples each class has, by label.</summary>
    public long[] ClassCounts()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var counts = new long[ClassCount];
        foreach (var label in y.detach().cpu().contiguous().data<long>()) counts[label]++;
        return counts;
    }

    /// <summary>A summary line, for example <c>Fashion-MNIST train set size: 60000 samples, 10 classes</c>.</summary>
    public string FormatSummary() => string.Format(CultureInfo.InvariantCulture,
        "{0} {1} set size: {2} samples, {3} classes", Name, Train ? "train" : "test", Count, ClassCount);

    /// <inheritdoc />
    public override string ToString() => FormatSummary();

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
    }
}
