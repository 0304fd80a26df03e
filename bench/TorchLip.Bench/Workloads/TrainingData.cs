using System;
using System.IO;
using TorchLip.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Workloads;

/// <summary>
/// A training set for the benchmark: (N, 1, 28, 28) float32 images in [0, 1], labels ±1, and the generator that
/// draws the batch order.
/// </summary>
/// <remarks>
/// The data matters for the Lipschitz network's throughput: SpectralLinear's default warm start orthonormalizes
/// each step's weight starting from the previous step's result, and how many steps that takes depends on how far
/// the weights moved, i.e. on the training trajectory. On the tutorial's data (MNIST 0 vs 8) the first layer needs
/// one step per training step after the first epoch; with random labels it typically keeps needing two. The
/// headline therefore uses <see cref="Tutorial"/>; <see cref="RandomLabels"/> is a stress case.
/// </remarks>
internal sealed class TrainingData : IDisposable
{
    /// <summary>The size of the tutorial's MNIST 0-vs-8 training set.</summary>
    public const long TutorialTrainSize = 11_774;

    private TrainingData(string name, Tensor images, Tensor labels, Generator generator)
    {
        Name = name;
        Images = images;
        Labels = labels;
        Generator = generator;
    }

    /// <summary>
    /// The tutorial's data: the MNIST training split restricted to the digits 0 (+1) and 8 (−1), 11 774 samples,
    /// loaded through the library (<see cref="MnistDataset.Load"/>, which downloads and verifies the files into the
    /// data directory when they are missing).
    /// </summary>
    /// <exception cref="DataUnavailableException">The MNIST files could not be obtained or read.</exception>
    public static TrainingData Tutorial(long seed = 1234)
    {
        try
        {
            using var dataset = MnistDataset.Load(train: true);
            using var prepared = DataPreparation.prepare_data(dataset, class_a: 0, class_b: 8);
            // New handles on the same storage, owned by this object; disposing `prepared` releases only its own.
            var images = prepared.x.alias().DetachFromDisposeScope();
            var labels = prepared.y.alias().DetachFromDisposeScope();      // (N), as TrainingLoop takes them
            return new TrainingData("MNIST 0 vs 8", images, labels, new Generator((ulong)seed));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            string directory = Path.GetFullPath(MnistFiles.ResolveDataDirectory());
            throw new DataUnavailableException(
                $"could not load the tutorial data (MNIST 0 vs 8) from {directory}: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
    }

    /// <summary>
    /// MNIST-shaped random data: uniform pixels in [0, 1] and random ±1 labels, as many samples as the tutorial's set.
    /// Nothing to learn, so the weights keep moving and the warm start keeps needing more steps: a stress case.
    /// </summary>
    public static TrainingData RandomLabels(long samples = TutorialTrainSize, long seed = 1234)
    {
        // One generator draws the data, then the batch order (as the benchmark always did).
        var generator = new Generator((ulong)seed);
        var images = torch.rand(new long[] { samples, 1, 28, 28 }, generator: generator);
        using Scalar two = 2.ToScalar(), one = 1.ToScalar();
        var labels = torch.randint(0, 2, new long[] { samples }, generator: generator).to_type(ScalarType.Float32).mul_(two).sub_(one);
        return new TrainingData("random labels", images, labels, generator);
    }

    /// <summary>What the data is, for the reports: "MNIST 0 vs 8" or "random labels".</summary>
    public string Name { get; }

    /// <summary>(N, 1, 28, 28) float32 in [0, 1].</summary>
    public Tensor Images { get; }

    /// <summary>(N) float32 in {−1, +1}.</summary>
    public Tensor Labels { get; }

    /// <summary>The generator that draws the batch order (randperm), so runs repeat.</summary>
    public Generator Generator { get; }

    public long Count => Images.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Generator.Dispose();
    }
}

/// <summary>The benchmark's data could not be obtained; the message is one line and names the data directory.</summary>
internal sealed class DataUnavailableException(string message, Exception inner) : Exception(message, inner);
