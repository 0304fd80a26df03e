using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// One split of MNIST in memory, shaped like torchvision's <c>MNIST</c> dataset:
/// <see cref="data"/> holds the images and <see cref="targets"/> the labels.
/// </summary>
public sealed class MnistDataset : IDisposable
{
    /// <summary>Rows and columns of an MNIST image.</summary>
    public const int ImageSize = 28;

    /// <summary>Number of classes (digits 0 to 9).</summary>
    public const int ClassCount = 10;

    /// <summary>Wraps image and label tensors, taking ownership of both.</summary>
    /// <param name="data">Images: uint8, shape (N, 28, 28).</param>
    /// <param name="targets">Labels: int64 in 0..9, shape (N).</param>
    /// <param name="train">True for the training split.</param>
    /// <exception cref="InvalidDataException">A dtype, shape, count or label is wrong.</exception>
    public MnistDataset(Tensor data, Tensor targets, bool train)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targets);
        if (data.dtype != ScalarType.Byte || data.dim() != 3 || data.shape[1] != ImageSize || data.shape[2] != ImageSize)
            throw new InvalidDataException($"MNIST images must be uint8 of shape (N, {ImageSize}, {ImageSize}), got {data.dtype} of shape ({string.Join(", ", data.shape)}).");
        if (targets.dtype != ScalarType.Int64 || targets.dim() != 1)
            throw new InvalidDataException($"MNIST labels must be int64 of shape (N), got {targets.dtype} of shape ({string.Join(", ", targets.shape)}).");
        if (data.shape[0] != targets.shape[0])
            throw new InvalidDataException($"MNIST has {data.shape[0]} images but {targets.shape[0]} labels.");
        if (targets.numel() > 0)
        {
            long min = targets.min().item<long>(), max = targets.max().item<long>();
            if (min < 0 || max >= ClassCount)
                throw new InvalidDataException($"MNIST labels must lie in 0..{ClassCount - 1}, found values in {min}..{max}.");
        }
        this.data = data;
        this.targets = targets;
        Train = train;
    }

    // Lowercase names mirror torchvision's MNIST attributes.
    /// <summary>The images: uint8, shape (N, 28, 28), pixel values 0 to 255.</summary>
    public Tensor data { get; }

    /// <summary>The labels: int64, shape (N), digits 0 to 9.</summary>
    public Tensor targets { get; }

    /// <summary>True for the training split (60000 samples), false for the test split (10000).</summary>
    public bool Train { get; }

    /// <summary>The number of samples N.</summary>
    public int Count => (int)targets.shape[0];

    /// <summary>Loads a split, first making sure the files are present and verified.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="files">Where the files are and how to fetch them; by default the default data directory and sources.</param>
    public static MnistDataset Load(bool train, MnistFiles? files = null)
    {
        var paths = (files ?? new MnistFiles()).EnsureAvailable();
        return FromFiles(train, paths.Images(train), paths.Labels(train));
    }

    /// <summary>Loads a split from an images file and a labels file (raw or gzip-compressed IDX), without checksums.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="imagesPath">An IDX file of shape (N, 28, 28).</param>
    /// <param name="labelsPath">An IDX file of shape (N) with values 0 to 9.</param>
    /// <exception cref="InvalidDataException">A file is malformed, or the files do not match.</exception>
    public static MnistDataset FromFiles(bool train, string imagesPath, string labelsPath)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Shape.Length != 3 || images.Shape[1] != ImageSize || images.Shape[2] != ImageSize)
            throw new InvalidDataException($"{imagesPath}: MNIST images must have shape (N, {ImageSize}, {ImageSize}), the file has ({string.Join(", ", images.Shape)}).");
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"{labelsPath}: MNIST labels must have shape (N), the file has ({string.Join(", ", labels.Shape)}).");
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{imagesPath} has {images.Shape[0]} images but {labelsPath} has {labels.Shape[0]} labels.");
        int bad = Array.FindIndex(labels.Data, b => b >= ClassCount);
        if (bad >= 0)
            throw new InvalidDataException($"{labelsPath}: label {bad} is {labels.Data[bad]}, outside 0..{ClassCount - 1}.");

        var data = torch.tensor(images.Data, images.LongShape, dtype: ScalarType.Byte);
        var targets = torch.tensor(Array.ConvertAll(labels.Data, b => (long)b), labels.LongShape, dtype: ScalarType.Int64);
        return new MnistDataset(data, targets, train);
    }

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        data.Dispose();
        targets.Dispose();
    }
}
