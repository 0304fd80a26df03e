using System.Collections.Generic;
using static TorchSharp.torch;

namespace TorchLip.Data;

/// <summary>
/// One split of a ten-class data set of 28×28 grey images in memory (<see cref="MnistDataset"/>,
/// <see cref="FashionMnistDataset"/>), shaped like torchvision's datasets: <see cref="data"/>, <see cref="targets"/>,
/// <see cref="classes"/>.
/// </summary>
public interface IImageDataset
{
    // Lowercase names mirror torchvision's dataset attributes.
    /// <summary>The images: uint8, shape (N, 28, 28), pixel values 0 to 255.</summary>
    Tensor data { get; }

    /// <summary>The labels: int64, shape (N), class indices 0 to 9.</summary>
    Tensor targets { get; }

    /// <summary>The class names, by label.</summary>
    IReadOnlyList<string> classes { get; }

    /// <summary>The data set's name, for example <c>Fashion-MNIST</c>.</summary>
    string Name { get; }

    /// <summary>True for the training split, false for the test split.</summary>
    bool Train { get; }

    /// <summary>The number of samples N.</summary>
    int Count { get; }
}
