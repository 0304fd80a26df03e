using System;
using System.Linq;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Training;

/// <summary>Batched evaluation, the validation-only metrics (certificates through the library) and the modes Evaluate leaves.</summary>
public class EvaluationTests
{
    private static readonly double[] Radii = { 0.0, 0.05, 0.2, 0.5 };

    /// <summary>Three Gaussian blobs in the plane, class indices 0..2.</summary>
    private static (Tensor X, Tensor Y) Blobs(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        var y = randint(0, 3, new long[] { n }, generator: g);
        var centres = tensor(new float[,] { { 1, 0 }, { -0.5f, 0.8f }, { -0.5f, -0.8f } });
        var x = randn(n, 2, generator: g).mul_(0.4f.ToScalar()).add_(centres.index_select(0, y));
        return (x, y);
    }

    private static (Trainer Trainer, TorchLip.Modules.Sequential Model, optim.Optimizer Optimizer) Make(int evaluationBatchSize, bool binary = false)
    {
        manual_seed(3);
        var model = Sequential(SpectralLinear(2, 16), GroupSort2(), SpectralLinear(16, 16), GroupSort2(), FrobeniusLinear(16, binary ? 1 : 3));
        var optimizer = torchlip.Adam(model.parameters(), lr: 1e-2);
        Func<Tensor, Tensor, Tensor> loss = binary ? (o, t) => hinge_margin_loss(o, t, 0.1) : (o, t) => nn.functional.cross_entropy(o, t);
        IMetric[] metrics = binary ? new IMetric[] { new BinaryAccuracy() } : new IMetric[] { new CategoricalAccuracy() };
        var trainer = new Trainer(model, optimizer, loss, metrics,
            CertifiedAccuracy.At(Radii).Cast<IEvaluationMetric>().Append(new MeanCertificate()))
        { EvaluationBatchSize = evaluationBatchSize };
        return (trainer, model, optimizer);
    }

    private static void Train(Trainer trainer, Tensor x, Tensor y)
    {
        using var batches = new BatchIterator(x, y, 32, seed: 1);
        trainer.Fit(batches, 3);
    }

    [Fact]
    public void BatchedEvaluationEqualsOneShotEvaluation()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(300, 1);
        var (vx, vy) = Blobs(101, 2);
        var (batched, model, optimizer) = Make(evaluationBatchSize: 7);
        Train(batched, x, y);
        var oneShotTrainer = new Trainer(model, optimizer, (o, t) => nn.functional.cross_entropy(o, t), new IMetric[] { new CategoricalAccuracy() },
            CertifiedAccuracy.At(Radii).Cast<IEvaluationMetric>().Append(new MeanCertificate())) { EvaluationBatchSize = 1000 };

        var inBatches = batched.Evaluate(vx, vy);
        var oneShot = oneShotTrainer.Evaluate(vx, vy);

        Assert.Equal(batched.ValidationColumns, inBatches.Keys);
        Assert.Equal(new[] { "loss", "acc", "cra_0", "cra_0.05", "cra_0.2", "cra_0.5", "mean_certificate" }, batched.ValidationColumns);
        Assert.Equal(oneShot["loss"], inBatches["loss"], 5);   // float32 batch means against one float32 mean
        foreach (var column in batched.ValidationColumns.Skip(1).SkipLast(1)) Assert.Equal(oneShot[column], inBatches[column]);
        Assert.Equal(oneShot["mean_certificate"], inBatches["mean_certificate"], 6);   // float32 outputs of different batch shapes
        Assert.True(inBatches["acc"] > 0.8, $"accuracy {inBatches["acc"]}");
        Assert.True(inBatches["cra_0.2"] < inBatches["cra_0"], "a larger radius certifies fewer samples");
        model.Dispose();
        optimizer.Dispose();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void CertifiedAccuracyAndMeanCertificateAreTheLibrarysFigures(bool binary, bool oneHot)
    {
        using var scope = NewDisposeScope();
        var (x, classes) = Blobs(200, 4);
        var (vx, vClasses) = Blobs(97, 5);
        Tensor Labels(Tensor c) => binary ? where(c.eq(0L.ToScalar()), 1f, -1f) : oneHot ? nn.functional.one_hot(c, 3).to_type(ScalarType.Float32) : c;
        var (trainer, model, optimizer) = Make(evaluationBatchSize: 10, binary);
        Train(trainer, x, binary ? Labels(classes) : classes);
        var vy = Labels(vClasses);

        var figures = trainer.Evaluate(vx, vy);

        model.eval();
        foreach (var eps in Radii)
            Assert.Equal(provable_robust_accuracy(model, vx, vy, eps), figures[CertifiedAccuracy.DefaultName(eps)], 12);
        var radii = binary ? binary_certificates(model, vx) : multiclass_certificates(model, vx);
        Assert.Equal(radii.mean().item<double>(), figures["mean_certificate"], 6);   // one forward against batches of 10
        Assert.Equal(provable_robust_accuracy(model, vx, vy, 0.0), figures["cra_0"], 12);
        model.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void EvaluateRestoresEverySubmodulesOwnMode()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(40, 6);
        var (trainer, model, optimizer) = Make(evaluationBatchSize: 16);
        model.train();
        var children = model.children().ToList();
        children[2].eval();   // set apart from its training parent

        trainer.Evaluate(x, y);

        Assert.True(model.training);
        Assert.False(children[2].training, "a child set to eval apart from its parent stays in eval");
        Assert.All(children.Where((_, i) => i != 2), c => Assert.True(c.training));

        model.eval();
        children[0].train();
        trainer.Evaluate(x, y);
        Assert.False(model.training);
        Assert.True(children[0].training, "a child set to train apart from its parent stays in train");
        model.Dispose();
        optimizer.Dispose();
    }

    [Fact]
    public void CategoricalAccuracyReadsClassIndicesAndOneHotRowsAlike()
    {
        using var scope = NewDisposeScope();
        var scores = tensor(new float[,] { { 3, 1, 0 }, { 0, 2, 1 }, { 0, 0, 5 }, { 1, 0, 0 } });
        var classes = tensor(new long[] { 0, 1, 1, 2 });
        var metric = new CategoricalAccuracy();
        Assert.Equal(0.5, metric.Compute(scores, classes));
        Assert.Equal(0.5, metric.Compute(scores, nn.functional.one_hot(classes, 3).to_type(ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => metric.Compute(scores.narrow(1, 0, 1), classes));
    }

    [Fact]
    public void ValidationOnlyMetricsAreNotComputedOnTrainingBatchesAndNamesStayUnique()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Blobs(64, 7);
        var (trainer, model, optimizer) = Make(evaluationBatchSize: 30);
        using var batches = new BatchIterator(x, y, 16, seed: 2);

        var record = trainer.Fit(batches, 1, validation: Blobs(50, 8)).Single();

        Assert.Equal(new[] { "loss", "acc" }, record.Train.Keys.OrderBy(k => k, StringComparer.Ordinal).Reverse());
        Assert.Equal(trainer.ValidationColumns.OrderBy(k => k), record.Validation!.Keys.OrderBy(k => k));
        Assert.Contains("two columns would be named 'acc'", Assert.Throws<ArgumentException>(() => new Trainer(model, optimizer,
            (o, t) => nn.functional.cross_entropy(o, t), new IMetric[] { new CategoricalAccuracy() }, new[] { new MeanCertificate("acc") })).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, optimizer, (o, t) => nn.functional.cross_entropy(o, t)) { EvaluationBatchSize = 0 });
        model.Dispose();
        optimizer.Dispose();
    }
}
