using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>The checks and the IDX reading that <see cref="MnistDataset"/> and <see cref="FashionMnistDataset"/> share.</summary>
internal static class ImageSplit
{
    public const int ImageSize = 28;
    public const int ClassCount = 10;

    /// <exception cref="InvalidDataException">A dtype, shape, count or label is wrong.</exception>
    public static void Check(string name, Tensor data, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(targets);
        if (data.dtype != ScalarType.Byte || data.dim() != 3 || data.shape[1] != ImageSize || data.shape[2] != ImageSize)
            throw new InvalidDataException($"{name} images must be uint8 of shape (N, {ImageSize}, {ImageSize}), got {data.dtype} of shape ({string.Join(", ", data.shape)}).");
        if (targets.dtype != ScalarType.Int64 || targets.dim() != 1)
            throw new InvalidDataException($"{name} labels must be int64 of shape (N), got {targets.dtype} of shape ({string.Join(", ", targets.shape)}).");
        if (data.shape[0] != targets.shape[0])
            throw new InvalidDataException($"{name} has {data.shape[0]} images but {targets.shape[0]} labels.");
        if (targets.numel() > 0)
        {
            long min = targets.min().item<long>(), max = targets.max().item<long>();
            if (min < 0 || max >= ClassCount)
                throw new InvalidDataException($"{name} labels must lie in 0..{ClassCount - 1}, found values in {min}..{max}.");
        }
    }

    /// <summary>Reads an images file and a labels file (raw or gzip-compressed IDX) into (data, targets) tensors.</summary>
    /// <exception cref="InvalidDataException">A file is malformed, or the files do not match.</exception>
    public static (Tensor Data, Tensor Targets) Read(string name, string imagesPath, string labelsPath)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Shape.Length != 3 || images.Shape[1] != ImageSize || images.Shape[2] != ImageSize)
            throw new InvalidDataException($"{imagesPath}: {name} images must have shape (N, {ImageSize}, {ImageSize}), the file has ({string.Join(", ", images.Shape)}).");
        if (labels.Shape.Length != 1)
            throw new InvalidDataException($"{labelsPath}: {name} labels must have shape (N), the file has ({string.Join(", ", labels.Shape)}).");
        if (images.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"{imagesPath} has {images.Shape[0]} images but {labelsPath} has {labels.Shape[0]} labels.");
        int bad = Array.FindIndex(labels.Data, b => b >= ClassCount);
        if (bad >= 0)
            throw new InvalidDataException($"{labelsPath}: label {bad} is {labels.Data[bad]}, outside 0..{ClassCount - 1}.");

        var data = torch.tensor(images.Data, images.LongShape, dtype: ScalarType.Byte);
        var targets = torch.tensor(Array.ConvertAll(labels.Data, b => (long)b), labels.LongShape, dtype: ScalarType.Int64);
        return (data, targets);
    }
}
