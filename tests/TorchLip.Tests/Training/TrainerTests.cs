using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Training;

public class TrainerTests
{
    /// <summary>Two Gaussian blobs at (±2, 0), labels ±1.</summary>
    private static (Tensor X, Tensor Y) Blobs(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        var y = where(rand(n, 1, generator: g) < 0.5, 1f, -1f);
        var x = randn(n, 2, generator: g) * 0.5 + cat(new[] { y * 2, zeros(n, 1) }, 1);
        return (x, y);
    }

    private static (Trainer, TorchLip.Modules.Sequential, optim.Optimizer) Make(long seed = 0)
    {
        manual_seed(seed);
        var model = TutorialNetwork.Create(2, new long[] { 16, 8 }, flatten: false);
        var optimizer = torchlip.Adam(model.parameters(), lr: 1e-2);
        return (new Trainer(model, optimizer, (o, t) => hkr_loss(o, t, 10, 0.5), new IMetric[] { new KRMetric(), new BinaryAccuracy() }), model, optimizer);
    }

    [Fact]
    public void ASeparableProblemIsLearnedAndEveryColumnIsReported()
    {
        var (x, y) = Blobs(400, 1);
        var (trainer, model, optimizer) = Make();
        using var batches = new BatchIterator(x, y, 32, seed: 3);

        var records = trainer.Fit(batches, 5, validation: Blobs(200, 2));

        Assert.Equal(new[] { "loss", "KR", "acc" }, trainer.Columns);
        Assert.Equal(5, records.Count);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, records.Select(r => r.Epoch));
        Assert.All(records, r => Assert.Equal(trainer.Columns.OrderBy(c => c), r.Validation!.Keys.OrderBy(c => c)));
        Assert.True(records[^1].Train["loss"] < records[0].Train["loss"], "the loss goes down");
        Assert.True(records[^1].Validation!["acc"] > 0.97, $"validation accuracy {records[^1].Validation!["acc"]}");
        Assert.True(model.training, "Fit leaves the model in train mode");
        model.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void EpochMeansAreWeightedByBatchSizeAndTheLastSmallBatchCounts()
    {
        // 10 samples in batches of 4: 4 + 4 + 2. The mean of per-batch accuracies weighted by size is the accuracy of all.
        var (x, y) = Blobs(10, 4);
        var (trainer, model, optimizer) = Make(5);
        using var batches = new BatchIterator(x, y, 4, seed: 6);
        var seen = new List<StepRecord>();

        var record = trainer.Fit(batches, 1, onStep: seen.Add).Single();

        Assert.Equal(3, batches.BatchesPerEpoch);
        Assert.Equal(new[] { 1, 2, 3 }, seen.Select(s => s.Step));
        Assert.All(seen, s => Assert.Equal(3, s.StepsPerEpoch));
        double weighted = (seen[0].Batch["acc"] * 4 + seen[1].Batch["acc"] * 4 + seen[2].Batch["acc"] * 2) / 10;
        Assert.Equal(weighted, record.Train["acc"], 12);
        Assert.Equal(record.Train["loss"], seen[^1].RunningMeans["loss"], 12);
        model.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void TheSeededOrderIsReproducibleAndIndependentOfTheGlobalGenerator()
    {
        var (x, y) = Blobs(50, 7);
        List<double> Run(long seed)
        {
            using var batches = new BatchIterator(x, y, 8, seed);
            manual_seed(123);   // the global generator is reseeded between runs: the order must not care
            return batches.NextEpoch().Select(b => b.X.sum().item<float>() * 1.0).ToList();
        }
        Assert.Equal(Run(11), Run(11));
        Assert.NotEqual(Run(11), Run(12));
    }

    [Fact]
    public void BadInputIsRejectedBeforeAnyStepWithTheFix()
    {
        var (x, y) = Blobs(20, 8);
        Assert.Contains("between 1 and the number of samples (20)", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(x, y, 21)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(x, y, 0));
        Assert.Contains("same number of samples", Assert.Throws<ArgumentException>(() => new BatchIterator(x, y.narrow(0, 0, 19), 4)).Message);

        var (trainer, model, optimizer) = Make();
        using var batches = new BatchIterator(x, y, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(batches, 0));
        Assert.Throws<ArgumentException>(() => trainer.Fit(batches, 1, validation: (x, y.narrow(0, 0, 5))));
        Assert.Contains("two columns would be named 'acc'", Assert.Throws<ArgumentException>(() =>
            new Trainer(model, optimizer, (o, t) => kr_loss(o, t), new IMetric[] { new BinaryAccuracy(), new BinaryAccuracy() })).Message);
        Assert.Throws<ArgumentException>(() => new Trainer(model, optimizer, (o, t) => kr_loss(o, t), new IMetric[] { new KRMetric("loss") }));
        Assert.Throws<ArgumentNullException>(() => new Trainer(null!, optimizer, (o, t) => kr_loss(o, t)));
        var perSample = new Trainer(model, optimizer, (o, t) => (o - t).abs());
        Assert.Contains("must be a scalar", Assert.Throws<ArgumentException>(() => perSample.Fit(batches, 1)).Message);
        model.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void GeneratedBatchesDrawOnePerStep()
    {
        int draws = 0;
        var (trainer, model, optimizer) = Make(9);
        var source = new GeneratedBatches(() => { draws++; return Blobs(16, draws); }, 5);
        var records = trainer.Fit(source, 2);
        Assert.Equal(10, draws);
        Assert.Equal(2, records.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GeneratedBatches(() => Blobs(2, 0), 0));
        model.Dispose();
        optimizer.Dispose();
    }
}
