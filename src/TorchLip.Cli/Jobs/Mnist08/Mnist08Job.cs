using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Cli.Output;
using TorchLip.Data;
using TorchLip.Evaluation;
using TorchLip.Modules;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using static System.FormattableString;
using static TorchLip.Data.DataPreparation;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The deel-torchlip tutorial "HKR classifier on MNIST 0 vs 8" on the shared pipeline: its data, the tutorial's
/// network and HKR loss, then Lipschitz estimates, singular values, export, and model.dat, model_exported.dat,
/// report.json, training.png.
/// </summary>
public sealed class Mnist08Job : TrainingJob<Mnist08Options, Mnist08Report>
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ModelFile = "model.dat", ExportedFile = "model_exported.dat", PlotFile = "training.png";

    private readonly List<EpochMetrics> _epochs = new();
    private int _trainSize, _testSize;

    /// <summary>Runs the job, printing the tutorial's lines to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the progress text goes.</param>
    /// <returns>The report that was also written to report.json.</returns>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    /// <exception cref="IOException">MNIST could not be obtained or an output file could not be written.</exception>
    public static Mnist08Report Run(Mnist08Options options, TextWriter output) => JobPipeline.Run(new Mnist08Job(), options, output);

    /// <inheritdoc/>
    public override string Name => "mnist08";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files { get; } = new[] { ModelFile, ExportedFile, ReportFile, PlotFile };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate(Mnist08Options options) => options.Validate();

    /// <inheritdoc/>
    public override TrainingData LoadData(JobRun<Mnist08Options> run)
    {
        var options = run.Options;
        run.Output.WriteLine($"Loading MNIST from {MnistFiles.ResolveDataDirectory(options.DataDir)} (55 MB, fetched and verified on the first run)...");
        var files = new MnistFiles(options.DataDir, log: run.Output.WriteLine);
        BinaryClassData train, test;
        using (var trainSet = MnistDataset.Load(train: true, files))
        using (var testSet = MnistDataset.Load(train: false, files))
            (train, test) = (prepare_data(trainSet, options.Digits[0], options.Digits[1]), prepare_data(testSet, options.Digits[0], options.Digits[1]));
        using (train)
        using (test)
        {
            run.Output.WriteLine(train.FormatSummary());
            run.Output.WriteLine(test.FormatSummary());
            (_trainSize, _testSize) = (train.Count, test.Count);
            if (options.BatchSize > train.Count)
                throw new OptionsException($"--batch-size ({options.BatchSize}) is larger than the training set ({train.Count} samples of digits {options.Digits[0]} and {options.Digits[1]}): lower it.");
            var x = train.x.to(run.Device);
            var y = train.y.to(run.Device);
            var testX = test.x.to(run.Device);
            var testY = test.y.to(run.Device);
            // Batch order from a private generator: other code in the process (tests running in parallel, a host
            // application) may reseed or draw from the global one during training.
            var batches = new BatchIterator(x, y, options.BatchSize, options.Seed);
            return new TrainingData(batches, (testX, testY), batches, x, y, testX, testY);
        }
    }

    /// <inheritdoc/>
    public override long[] SampleShape(Mnist08Options options) => new long[] { 1, 28, 28 };

    /// <inheritdoc/>
    public override Sequential BuildModel(Mnist08Options options) => Mnist08Model.Build();

    /// <inheritdoc/>
    public override Func<Tensor, Tensor, Tensor> Loss(Mnist08Options options) => (scores, labels) => hkr_loss(scores, labels, options.Alpha, options.MinMargin);

    /// <inheritdoc/>
    public override IReadOnlyList<IMetric> Metrics(Mnist08Options options) => new IMetric[] { new KRMetric(), new BinaryAccuracy() };

    /// <inheritdoc/>
    public override string? TrainingBanner(JobRun<Mnist08Options> run, TrainingData data) =>
        $"Training: {run.Options.Epochs} epochs of {data.Train.BatchesPerEpoch} steps (batch {run.Options.BatchSize}) on {run.Device.type.ToString().ToLowerInvariant()}...";

    /// <inheritdoc/>
    public override string OnEpoch(JobRun<Mnist08Options> run, EpochRecord record, double seconds, double rssMb)
    {
        var metrics = EpochMetrics.From(record, seconds, rssMb);
        _epochs.Add(metrics);
        return FormatEpoch(metrics, run.Options.Epochs);
    }

    /// <inheritdoc/>
    public override Mnist08Report Finish(JobRun<Mnist08Options> run, Sequential model, Trainer trainer, TrainingData data)
    {
        var (output, timings) = (run.Output, run.Timings);
        var testX = data.Validation!.Value.X;
        output.WriteLine("Estimating the Lipschitz constant (eps-perturbation and pairwise on the test set)...");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var lipschitz = LipschitzReport.Measure(model, testX);
        timings.Estimates = watch.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Lipschitz estimates (lower bounds) on {lipschitz.Samples} test samples: eps-perturbation (eps={lipschitz.Epsilon}, {lipschitz.Draws} draws): {lipschitz.EpsEstimate:0.000000}, pairwise: {lipschitz.PairwiseEstimate:0.000000}"));

        watch.Restart();
        var before = SingularValues.Of(model);
        timings.Svd += watch.Elapsed.TotalSeconds;
        watch.Restart();
        using var exported = model.vanilla_export();
        exported.eval();
        double diff = MaxAbsDiff(model, exported, testX);
        timings.Export = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var after = SingularValues.Of(exported);
        timings.Svd += watch.Elapsed.TotalSeconds;
        WriteSingularValues(output, before, after);
        output.WriteLine(Invariant($"Export check: max |exported(x) - model(x)| over the test set = {diff:0.###e+00}"));

        watch.Restart();
        run.Files.Write(ModelFile, path => model.save(path));
        run.Files.Write(ExportedFile, path => exported.save(path));
        // Rendered here rather than during the estimates: in parallel it saved 0.2 s but slowed the estimates by as
        // much at 2 threads and raised the peak RSS by 75 MB (measured).
        run.Files.Write(PlotFile, path => TrainingPlot.Save(path, _epochs.Select(e => e.ToColumns()).ToList(), PlotPanels));
        timings.Save = watch.Elapsed.TotalSeconds;
        timings.Total = run.Clock.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Timings (s): data {timings.Data:0.00}, training {timings.Training:0.00}, evaluation {timings.Evaluation:0.00}, estimates {timings.Estimates:0.00}, SVD {timings.Svd:0.00}, export {timings.Export:0.00}, save {timings.Save:0.00}, total {timings.Total:0.00}"));

        return new Mnist08Report
        {
            Options = run.Options,
            DataDirectory = MnistFiles.ResolveDataDirectory(run.Options.DataDir),
            OutputDirectory = run.Files.Directory,
            TrainSize = _trainSize,
            TestSize = _testSize,
            Model = model.ToString(),
            Epochs = _epochs,
            Lipschitz = lipschitz,
            SingularValues = new SingularValuesReport(before, after),
            ExportMaxAbsDiff = diff,
            Timings = timings,
            Files = Files,
        };
    }

    private static readonly IReadOnlyList<TrainingPlot.Panel> PlotPanels = new TrainingPlot.Panel[]
    {
        new("HKR loss", "loss", "val_loss", TrainingPlot.LegendAt.UpperRight),
        new("KR (Wasserstein estimate)", "KR", "val_KR", TrainingPlot.LegendAt.LowerRight),
        new("Accuracy", "acc", "val_acc", TrainingPlot.LegendAt.LowerRight),
    };

    private static double MaxAbsDiff(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor> exported, Tensor x)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return (exported.call(x) - model.call(x)).abs().max().to_type(ScalarType.Float64).item<double>();
    }

    private static void WriteSingularValues(TextWriter output, IReadOnlyList<LayerSingularValues> before, IReadOnlyList<LayerSingularValues> after)
    {
        output.WriteLine("Singular values of the weight matrices (min / max), before and after vanilla_export:");
        foreach (var layer in before)
        {
            var exported = after.FirstOrDefault(a => a.Layer == layer.Layer);
            var right = exported is null ? "missing after export" : Invariant($"{exported.Kind}: {exported.Min:0.0000000} / {exported.Max:0.0000000}");
            output.WriteLine(Invariant($"  layer {layer.Layer,-3} {layer.Kind + ":",-16} {layer.Min:0.0000000} / {layer.Max:0.0000000}  ->  {right}"));
        }
    }

    /// <summary>The Keras-style epoch line, e.g. <c>Epoch 3/10  loss: -2.8713 - KR: 4.0112 - acc: 0.9912 - val_loss: … - 2.1s</c>.</summary>
    /// <param name="m">The epoch's figures.</param>
    /// <param name="epochs">Total number of epochs.</param>
    public static string FormatEpoch(EpochMetrics m, int epochs) => Invariant(
        $"Epoch {m.Epoch}/{epochs}  loss: {m.Loss:0.0000} - KR: {m.Kr:0.0000} - acc: {m.Acc:0.0000} - val_loss: {m.ValLoss:0.0000} - val_KR: {m.ValKr:0.0000} - val_acc: {m.ValAcc:0.0000} - {m.Seconds:0.0}s");
}
