using System;
using System.Globalization;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// Two classes (of MNIST or Fashion-MNIST) prepared for a binary HKR classifier: images scaled to [0, 1] and labels
/// +1 / -1 of shape (N), as built by <see cref="DataPreparation.prepare_data"/>.
/// </summary>
public sealed class BinaryClassData : IDisposable
{
    /// <summary>Wraps prepared tensors, taking ownership of both.</summary>
    /// <param name="x">Images: float32, shape (N, 1, 28, 28), values in [0, 1].</param>
    /// <param name="y">Labels: float32, shape (N), +1 for <paramref name="classA"/> and -1 for <paramref name="classB"/>.</param>
    /// <param name="train">True when taken from the training split.</param>
    /// <param name="classA">The class labelled +1.</param>
    /// <param name="classB">The class labelled -1.</param>
    /// <param name="classACount">How many samples are of <paramref name="classA"/>.</param>
    /// <exception cref="ArgumentException">The labels are not of shape (N), or x and y differ in N.</exception>
    public BinaryClassData(Tensor x, Tensor y, bool train, int classA, int classB, int classACount)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        // (N, 1) labels beside (N, 1) scores read right through the losses but broadcast to N×N in the tutorial's
        // accuracy, sign(output).flatten() == sign(target): one shape only, the tutorial's.
        if (y.dim() != 1)
            throw new ArgumentException($"Binary labels must have shape (N), as the tutorial's; got ({string.Join(", ", y.shape)}). " +
                                        "Flatten them first (y.reshape(-1)).", nameof(y));
        if (x.dim() == 0 || x.shape[0] != y.shape[0])
            throw new ArgumentException($"x has {(x.dim() == 0 ? 0 : x.shape[0])} samples but y has {y.shape[0]}.", nameof(y));
        this.x = x;
        this.y = y;
        Train = train;
        ClassA = classA;
        ClassB = classB;
        ClassACount = classACount;
    }

    // Lowercase names mirror the tutorial's tensors.
    /// <summary>Images: float32, shape (N, 1, 28, 28), values in [0, 1].</summary>
    public Tensor x { get; }

    /// <summary>Labels: float32, shape (N), +1 for <see cref="ClassA"/> and -1 for <see cref="ClassB"/>.</summary>
    public Tensor y { get; }

    /// <summary>True when taken from the training split.</summary>
    public bool Train { get; }

    /// <summary>The class labelled +1.</summary>
    public int ClassA { get; }

    /// <summary>The class labelled -1.</summary>
    public int ClassB { get; }

    /// <summary>The number of samples N.</summary>
    public int Count => (int)x.shape[0];

    /// <summary>How many samples are of <see cref="ClassA"/>.</summary>
    public int ClassACount { get; }

    /// <summary>The fraction (0 to 1) of samples of <see cref="ClassA"/>; 0 when there are none.</summary>
    public double ClassAProportion => Count == 0 ? 0.0 : (double)ClassACount / Count;

    /// <summary>
    /// The tutorial's summary line, for example
    /// <c>Train set size: 11774 samples, classes proportions: 50.31 %</c> (the percentage is of <see cref="ClassA"/>).
    /// </summary>
    public string FormatSummary() => string.Format(CultureInfo.InvariantCulture,
        "{0} set size: {1} samples, classes proportions: {2:F2} %", Train ? "Train" : "Test", Count, 100 * ClassAProportion);

    /// <inheritdoc />
    public override string ToString() => FormatSummary();

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
    }
}
