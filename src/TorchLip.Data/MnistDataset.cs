using System;
using System.Collections.Generic;
using System.IO;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// One split of MNIST in memory, shaped like torchvision's <c>MNIST</c> dataset:
/// <see cref="data"/> holds the images and <see cref="targets"/> the labels.
/// </summary>
public sealed class MnistDataset : IImageDataset, IDisposable
{
    /// <summary>Rows and columns of an MNIST image.</summary>
    public const int ImageSize = ImageSplit.ImageSize;

    /// <summary>Number of classes (digits 0 to 9).</summary>
    public const int ClassCount = ImageSplit.ClassCount;

    /// <summary>Wraps image and label tensors, taking ownership of both.</summary>
    /// <param name="data">Images: uint8, shape (N, 28, 28).</param>
    /// <param name="targets">Labels: int64 in 0..9, shape (N).</param>
    /// <param name="train">True for the training split.</param>
    /// <exception cref="InvalidDataException">A dtype, shape, count or label is wrong.</exception>
    public MnistDataset(Tensor data, Tensor targets, bool train)
    {
        ImageSplit.Check(MnistVariant.Mnist.Name, data, targets);
        this.data = data;
        this.targets = targets;
        Train = train;
    }

    /// <summary>torchvision's class names, <c>0 - zero</c> to <c>9 - nine</c>.</summary>
    public static IReadOnlyList<string> ClassNames => MnistVariant.Mnist.Classes;

    // Lowercase names mirror torchvision's MNIST attributes.
    /// <summary>The images: uint8, shape (N, 28, 28), pixel values 0 to 255.</summary>
    public Tensor data { get; }

    /// <summary>The labels: int64, shape (N), digits 0 to 9.</summary>
    public Tensor targets { get; }

    /// <summary>torchvision's class names (<see cref="ClassNames"/>).</summary>
    public IReadOnlyList<string> classes => ClassNames;

    /// <summary><c>MNIST</c>.</summary>
    public string Name => MnistVariant.Mnist.Name;

    /// <summary>True for the training split (60000 samples), false for the test split (10000).</summary>
    public bool Train { get; }

    /// <summary>The number of samples N.</summary>
    public int Count => (int)targets.shape[0];

    /// <summary>Loads a split, first making sure the files are present and verified.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="files">Where the files are and how to fetch them; by default the default data directory and sources.</param>
    public static MnistDataset Load(bool train, MnistFiles? files = null)
    {
        files ??= new MnistFiles();
        if (files.Variant != MnistVariant.Mnist)
            throw new ArgumentException($"These files are {files.Variant.Name}'s; MnistDataset loads MNIST (use FashionMnistDataset for Fashion-MNIST).", nameof(files));
        var paths = files.EnsureAvailable();
        return FromFiles(train, paths.Images(train), paths.Labels(train));
    }

    /// <summary>Loads a split from an images file and a labels file (raw or gzip-compressed IDX), without checksums.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="imagesPath">An IDX file of shape (N, 28, 28).</param>
    /// <param name="labelsPath">An IDX file of shape (N) with values 0 to 9.</param>
    /// <exception cref="InvalidDataException">A file is malformed, or the files do not match.</exception>
    public static MnistDataset FromFiles(bool train, string imagesPath, string labelsPath)
    {
        var (data, targets) = ImageSplit.Read(MnistVariant.Mnist.Name, imagesPath, labelsPath);
        return new MnistDataset(data, targets, train);
    }

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        data.Dispose();
        targets.Dispose();
    }
}
