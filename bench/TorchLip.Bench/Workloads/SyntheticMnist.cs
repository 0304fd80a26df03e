using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Workloads;

/// <summary>
/// MNIST-shaped random data: as many samples as the tutorial's 0-vs-8 training set (11 774), 1×28×28 float32 in
/// [0, 1], labels ±1. Throughput does not depend on the pixel values, so random data stands in for the real set.
/// </summary>
internal sealed class SyntheticMnist : IDisposable
{
    public const long TutorialTrainSize = 11_774;

    public SyntheticMnist(long samples = TutorialTrainSize, long seed = 1234)
    {
        var generator = new Generator((ulong)seed);
        Images = torch.rand(new long[] { samples, 1, 28, 28 }, generator: generator);
        Labels = torch.randint(0, 2, new long[] { samples }, generator: generator).to_type(ScalarType.Float32).mul_(2).sub_(1);
        Generator = generator;
    }

    /// <summary>(N, 1, 28, 28) float32.</summary>
    public Tensor Images { get; }

    /// <summary>(N) float32 in {−1, +1}.</summary>
    public Tensor Labels { get; }

    /// <summary>The generator that also draws the batch order (randperm), so runs repeat.</summary>
    public Generator Generator { get; }

    public long Count => Images.shape[0];

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
        Generator.Dispose();
    }
}
