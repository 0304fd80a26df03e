namespace TorchLip.Data;

/// <summary>The paths of the four verified, uncompressed MNIST files.</summary>
public sealed class MnistFilePaths
{
    /// <summary>Groups the four paths.</summary>
    /// <param name="trainImages">Path of <c>train-images-idx3-ubyte</c>.</param>
    /// <param name="trainLabels">Path of <c>train-labels-idx1-ubyte</c>.</param>
    /// <param name="testImages">Path of <c>t10k-images-idx3-ubyte</c>.</param>
    /// <param name="testLabels">Path of <c>t10k-labels-idx1-ubyte</c>.</param>
    public MnistFilePaths(string trainImages, string trainLabels, string testImages, string testLabels)
    {
        TrainImages = trainImages;
        TrainLabels = trainLabels;
        TestImages = testImages;
        TestLabels = testLabels;
    }

    /// <summary>Path of the 60000 training images.</summary>
    public string TrainImages { get; }

    /// <summary>Path of the 60000 training labels.</summary>
    public string TrainLabels { get; }

    /// <summary>Path of the 10000 test images.</summary>
    public string TestImages { get; }

    /// <summary>Path of the 10000 test labels.</summary>
    public string TestLabels { get; }

    /// <summary>The images file of the training or the test split.</summary>
    /// <param name="train">True for the training split.</param>
    public string Images(bool train) => train ? TrainImages : TestImages;

    /// <summary>The labels file of the training or the test split.</summary>
    /// <param name="train">True for the training split.</param>
    public string Labels(bool train) => train ? TrainLabels : TestLabels;
}
