using System;
using TorchLip.Data;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>The test set certify evaluates on: pixels in [0, 1] as (N, 1, 28, 28), labels ±1 (mnist08) or class indices.</summary>
/// <param name="Name">The <c>--data</c> name.</param>
/// <param name="X">The images.</param>
/// <param name="Y">The labels.</param>
/// <param name="Classes">2 for mnist08 (one output), 10 otherwise.</param>
public sealed record CertifyData(string Name, Tensor X, Tensor Y, int Classes) : IDisposable
{
    /// <summary>Outputs a model must have for this set: 1 for the binary set, else the number of classes.</summary>
    public long Outputs => Classes == 2 ? 1 : Classes;

    /// <summary>Loads the test split of <paramref name="name"/>, its first <paramref name="count"/> samples (0: all).</summary>
    /// <param name="name">mnist08, mnist or fashion-mnist.</param>
    /// <param name="count">Samples kept (0: all).</param>
    /// <param name="dataDir">The data directory, or null for the default.</param>
    /// <param name="log">Progress lines.</param>
    public static CertifyData Load(string name, int count, string? dataDir, Action<string> log)
    {
        var variant = name == "fashion-mnist" ? MnistVariant.FashionMnist : MnistVariant.Mnist;
        log($"Loading the {name} test set from {MnistFiles.ResolveDataDirectory(dataDir, variant)} (fetched and verified on the first run)...");
        var files = new MnistFiles(dataDir, log: log, variant: variant);
        Tensor x, y;
        int classes;
        if (name == "mnist08")
        {
            using var set = MnistDataset.Load(train: false, files);
            using var data = DataPreparation.prepare_data(set, 0, 8);
            (x, y, classes) = (data.x.clone(), data.y.clone(), 2);
        }
        else
        {
            IImageDataset set = name == "mnist" ? MnistDataset.Load(train: false, files) : FashionMnistDataset.Load(train: false, files);
            try
            {
                using var data = DataPreparation.prepare_multiclass(set);
                (x, y, classes) = (data.x.clone(), data.y.clone(), 10);
            }
            finally
            {
                (set as IDisposable)?.Dispose();
            }
        }
        if (count > 0 && count < x.size(0))
        {
            var (allX, allY) = (x, y);
            (x, y) = (allX.narrow(0, 0, count).clone(), allY.narrow(0, 0, count).clone());
            allX.Dispose();
            allY.Dispose();
        }
        return new CertifyData(name, x, y, classes);
    }

    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}
