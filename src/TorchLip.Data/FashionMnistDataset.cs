using System;
using System.Collections.Generic;
using System.IO;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// One split of Zalando Research's Fashion-MNIST in memory, shaped like torchvision's <c>FashionMNIST</c> dataset:
/// <see cref="data"/> holds the 28×28 grey images and <see cref="targets"/> the labels 0 to 9 (<see cref="ClassNames"/>).
/// </summary>
/// <remarks>
/// The files are fetched and verified by <see cref="MnistFiles"/> with <see cref="MnistVariant.FashionMnist"/>: from
/// the directory where Debian's package <c>dataset-fashion-mnist</c> installs them, the official mirror, or the Debian
/// package downloaded and unpacked in process; cached under <c>~/.cache/torchlip/fashion-mnist</c>.
/// </remarks>
public sealed class FashionMnistDataset : IImageDataset, IDisposable
{
    /// <summary>Rows and columns of an image.</summary>
    public const int ImageSize = ImageSplit.ImageSize;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = ImageSplit.ClassCount;

    /// <summary>Wraps image and label tensors, taking ownership of both.</summary>
    /// <param name="data">Images: uint8, shape (N, 28, 28).</param>
    /// <param name="targets">Labels: int64 in 0..9, shape (N).</param>
    /// <param name="train">True for the training split.</param>
    /// <exception cref="InvalidDataException">A dtype, shape, count or label is wrong.</exception>
    public FashionMnistDataset(Tensor data, Tensor targets, bool train)
    {
        ImageSplit.Check(MnistVariant.FashionMnist.Name, data, targets);
        this.data = data;
        this.targets = targets;
        Train = train;
    }

    /// <summary>The class names by label: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.</summary>
    public static IReadOnlyList<string> ClassNames => MnistVariant.FashionMnist.Classes;

    // Lowercase names mirror torchvision's FashionMNIST attributes.
    /// <summary>The images: uint8, shape (N, 28, 28), pixel values 0 to 255.</summary>
    public Tensor data { get; }

    /// <summary>The labels: int64, shape (N), class indices 0 to 9.</summary>
    public Tensor targets { get; }

    /// <summary>The class names (<see cref="ClassNames"/>).</summary>
    public IReadOnlyList<string> classes => ClassNames;

    /// <summary><c>Fashion-MNIST</c>.</summary>
    public string Name => MnistVariant.FashionMnist.Name;

    /// <summary>True for the training split (60000 samples), false for the test split (10000).</summary>
    public bool Train { get; }

    /// <summary>The number of samples N.</summary>
    public int Count => (int)targets.shape[0];

    /// <summary>Loads a split, first making sure the files are present and verified (fetching them when missing).</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="dataDir">The data directory; by default <c>$TORCHLIP_FASHION_MNIST_DIR</c>, else
    /// <c>~/.cache/torchlip/fashion-mnist</c>. Not MNIST's directory: the two data sets share file names.</param>
    /// <param name="log">Receives progress and diagnostic messages.</param>
    /// <exception cref="IOException">A file could not be obtained; the message lists every source tried and how to install the files.</exception>
    public static FashionMnistDataset Load(bool train, string? dataDir = null, Action<string>? log = null) =>
        Load(train, new MnistFiles(dataDir, log: log, variant: MnistVariant.FashionMnist));

    /// <summary>Loads a split through a configured <see cref="MnistFiles"/> of <see cref="MnistVariant.FashionMnist"/>.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="files">Where the files are and how to fetch them.</param>
    public static FashionMnistDataset Load(bool train, MnistFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Variant != MnistVariant.FashionMnist)
            throw new ArgumentException($"These files are {files.Variant.Name}'s; FashionMnistDataset loads Fashion-MNIST " +
                                        "(new MnistFiles(dir, variant: MnistVariant.FashionMnist)).", nameof(files));
        var paths = files.EnsureAvailable();
        return FromFiles(train, paths.Images(train), paths.Labels(train));
    }

    /// <summary>Loads a split from an images file and a labels file (raw or gzip-compressed IDX), without checksums.</summary>
    /// <param name="train">True for the training split.</param>
    /// <param name="imagesPath">An IDX file of shape (N, 28, 28).</param>
    /// <param name="labelsPath">An IDX file of shape (N) with values 0 to 9.</param>
    /// <exception cref="InvalidDataException">A file is malformed, or the files do not match.</exception>
    public static FashionMnistDataset FromFiles(bool train, string imagesPath, string labelsPath)
    {
        var (data, targets) = ImageSplit.Read(MnistVariant.FashionMnist.Name, imagesPath, labelsPath);
        return new FashionMnistDataset(data, targets, train);
    }

    /// <summary>Releases both tensors.</summary>
    public void Dispose()
    {
        data.Dispose();
        targets.Dispose();
    }
}
