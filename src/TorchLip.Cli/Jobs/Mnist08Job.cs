using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchLip.Cli.Output;
using TorchLip.Data;
using TorchLip.Evaluation;
using TorchLip.Modules;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using static TorchLip.Data.DataPreparation;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The deel-torchlip tutorial "HKR classifier on MNIST 0 vs 8", end to end: data, training, Lipschitz estimates,
/// singular values, export, and the output files (model.dat, model_exported.dat, report.json, training.png).
/// </summary>
public static class Mnist08Job
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ModelFile = "model.dat", ExportedFile = "model_exported.dat", ReportFile = "report.json", PlotFile = "training.png";

    /// <summary>Runs the job, printing the tutorial's lines to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the progress text goes.</param>
    /// <returns>The report that was also written to report.json.</returns>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    /// <exception cref="IOException">MNIST could not be obtained or an output file could not be written.</exception>
    public static Mnist08Report Run(Mnist08Options options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.ThrowIfInvalid();
        var outputDir = OutputDirectory.Prepare(options.Output);
        var total = Stopwatch.StartNew();
        var timings = new PhaseTimings();
        ProcessMemory.KeepFreedMemory();
        torch.set_num_threads(options.Threads);

        BinaryClassData? train = null, test = null;
        try
        {
            timings.Data = PhaseTimings.Measure(() =>
            {
                (train, test) = LoadData(options, output);
                ProcessMemory.ReleaseLoadingGarbage();
            });
            output.WriteLine(train!.FormatSummary());
            output.WriteLine(test!.FormatSummary());
            return Train(options, output, outputDir, train, test, timings, total);
        }
        finally
        {
            train?.Dispose();
            test?.Dispose();
        }
    }

    private static (BinaryClassData train, BinaryClassData test) LoadData(Mnist08Options options, TextWriter output)
    {
        output.WriteLine($"Loading MNIST from {MnistFiles.ResolveDataDirectory(options.DataDir)} (55 MB, fetched and verified on the first run)...");
        var files = new MnistFiles(options.DataDir, log: output.WriteLine);
        using var trainSet = MnistDataset.Load(train: true, files);
        using var testSet = MnistDataset.Load(train: false, files);
        return (prepare_data(trainSet, options.Digits[0], options.Digits[1]), prepare_data(testSet, options.Digits[0], options.Digits[1]));
    }

    private static Mnist08Report Train(Mnist08Options options, TextWriter output, string outputDir,
        BinaryClassData train, BinaryClassData test, PhaseTimings timings, Stopwatch total)
    {
        if (options.BatchSize > train.Count)
            throw new OptionsException($"--batch-size ({options.BatchSize}) is larger than the training set ({train.Count} samples of digits {options.Digits[0]} and {options.Digits[1]}): lower it.");
        var device = DeviceChoice.Resolve(options.Device);
        torch.manual_seed(options.Seed);
        using var model = WarningsToOutput.While(output, Mnist08Model.Build);
        model.to(device);
        using var x = train.x.to(device);
        using var y = train.y.to(device);
        using var testX = test.x.to(device);
        using var testY = test.y.to(device);
        // Batch order from a private generator: other code in the process (tests running in parallel, a host
        // application) may reseed or draw from the global one during training.
        using var batches = new BatchIterator(x, y, options.BatchSize, options.Seed);
        output.WriteLine(model);
        using var optimizer = torchlip.Adam(model.parameters(), lr: options.LearningRate);
        var trainer = new Trainer(model, optimizer, (scores, labels) => hkr_loss(scores, labels, options.Alpha, options.MinMargin),
            new IMetric[] { new KRMetric(), new BinaryAccuracy() });

        output.WriteLine($"Training: {options.Epochs} epochs of {batches.BatchesPerEpoch} steps (batch {options.BatchSize}) on {device.type.ToString().ToLowerInvariant()}...");
        var epochs = new List<EpochMetrics>();
        var progress = ConsoleProgress.PerEpoch(output, options.ShowProgress);
        trainer.Fit(batches, options.Epochs, (testX, testY),
            onStep: progress,
            onEpoch: record =>
            {
                // The epoch's RSS is read after TorchSharp's own finalizable garbage is collected; the trainer makes no
                // collector call, but without this one the job's peak RSS read 422 MB instead of 338 MB (measured with
                // torchlip.Adam, which leaves no Scalars to the finalizer: the rest is TorchSharp's).
                var release = Stopwatch.StartNew();
                ProcessMemory.ReleaseLoadingGarbage();
                timings.Training += record.TrainSeconds;
                timings.Evaluation += record.ValidationSeconds + release.Elapsed.TotalSeconds;
                var metrics = EpochMetrics.From(record, record.Seconds + release.Elapsed.TotalSeconds, Environment.WorkingSet / (1024.0 * 1024.0));
                epochs.Add(metrics);
                output.WriteLine(FormatEpoch(metrics, options.Epochs));
            });
        model.eval();

        output.WriteLine("Estimating the Lipschitz constant (eps-perturbation and pairwise on the test set)...");
        LipschitzReport lipschitz = null!;
        timings.Estimates = PhaseTimings.Measure(() => lipschitz = Estimate(model, testX));
        output.WriteLine(Invariant($"Lipschitz estimates (lower bounds) on {lipschitz.Samples} test samples: eps-perturbation (eps={lipschitz.Epsilon}, {lipschitz.Draws} draws): {lipschitz.EpsEstimate:0.000000}, pairwise: {lipschitz.PairwiseEstimate:0.000000}"));

        IReadOnlyList<LayerSingularValues> before = null!, after = null!;
        timings.Svd += PhaseTimings.Measure(() => before = SingularValues.Of(model));
        nn.Module<Tensor, Tensor> exported = null!;
        double diff = 0;
        timings.Export = PhaseTimings.Measure(() =>
        {
            exported = model.vanilla_export();
            exported.eval();
            diff = MaxAbsDiff(model, exported, testX);
        });
        using var exportedModel = exported;
        timings.Svd += PhaseTimings.Measure(() => after = SingularValues.Of(exported));
        WriteSingularValues(output, before, after);
        output.WriteLine(Invariant($"Export check: max |exported(x) - model(x)| over the test set = {diff:0.###e+00}"));

        timings.Save = PhaseTimings.Measure(() =>
        {
            AtomicFile.Write(Path.Combine(outputDir, ModelFile), path => model.save(path));
            AtomicFile.Write(Path.Combine(outputDir, ExportedFile), path => exported.save(path));
            // Rendered here rather than during the estimates: in parallel it saved 0.2 s but slowed the estimates by as
            // much at 2 threads and raised the peak RSS by 75 MB (measured).
            AtomicFile.Write(Path.Combine(outputDir, PlotFile), path => TrainingPlot.Save(path, epochs.Select(e => e.ToColumns()).ToList(), PlotPanels));
        });
        timings.Total = total.Elapsed.TotalSeconds;

        var report = new Mnist08Report
        {
            Options = options,
            DataDirectory = MnistFiles.ResolveDataDirectory(options.DataDir),
            OutputDirectory = outputDir,
            TrainSize = train.Count,
            TestSize = test.Count,
            Model = model.ToString(),
            Epochs = epochs,
            Lipschitz = lipschitz,
            SingularValues = new SingularValuesReport(before, after),
            ExportMaxAbsDiff = diff,
            Timings = timings,
            Files = new[] { ModelFile, ExportedFile, ReportFile, PlotFile },
        };
        AtomicFile.WriteAllText(Path.Combine(outputDir, ReportFile), ReportJson.Serialize(report));
        output.WriteLine(Invariant($"Timings (s): data {timings.Data:0.00}, training {timings.Training:0.00}, evaluation {timings.Evaluation:0.00}, estimates {timings.Estimates:0.00}, SVD {timings.Svd:0.00}, export {timings.Export:0.00}, save {timings.Save:0.00}, total {timings.Total:0.00}"));
        output.WriteLine($"Wrote {string.Join(", ", report.Files)} to {outputDir}");
        return report;
    }

    private static readonly IReadOnlyList<TrainingPlot.Panel> PlotPanels = new TrainingPlot.Panel[]
    {
        new("HKR loss", "loss", "val_loss", TrainingPlot.LegendAt.UpperRight),
        new("KR (Wasserstein estimate)", "KR", "val_KR", TrainingPlot.LegendAt.LowerRight),
        new("Accuracy", "acc", "val_acc", TrainingPlot.LegendAt.LowerRight),
    };

    private static LipschitzReport Estimate(Sequential model, Tensor x)
    {
        double eps = LipschitzEstimates.Perturbation(model, x);
        double pairwise = LipschitzEstimates.Pairwise(model, x);
        return new LipschitzReport(eps, pairwise, LipschitzEstimates.DefaultEpsilon, LipschitzEstimates.DefaultDraws, (int)x.shape[0]);
    }

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

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
