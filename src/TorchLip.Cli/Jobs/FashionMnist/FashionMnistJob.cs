using System;
using System.Collections.Generic;
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
using static System.FormattableString;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The docs' Example 4, "HKR multiclass and fooling", on Fashion-MNIST: a convolutional network with a disjoint
/// Frobenius head trained with LseHKRMulticlassLoss; per-epoch loss, accuracy and multiclass KR; then the certified
/// accuracy at ε ∈ {0.1, 0.25, 0.5, 1}, the Lipschitz estimates against the certified bound, a minimal L2 attack that no
/// certificate may beat, and the fooling picture (test images beside their adversarial twins).
/// </summary>
public sealed class FashionMnistJob : TrainingJob<FashionMnistOptions, FashionMnistReport>
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ModelFile = "model.dat", PlotFile = "training.png", RobustnessFile = "robustness.png", FoolingFile = "fooling.png";

    /// <summary>The radii of the certified accuracy in the report.</summary>
    public static readonly IReadOnlyList<double> Radii = new[] { 0.1, 0.25, 0.5, 1.0 };

    /// <summary>Images the Lipschitz estimates run on (the first attacked ones): the pairwise estimate is quadratic in them.</summary>
    public const int EstimateSamples = 500;

    private const int Classes = 10;
    private readonly List<IReadOnlyDictionary<string, double>> _epochs = new();
    private TorchLip.Modules.LseHKRMulticlassLoss? _loss;   // kept by the job for as long as training calls it
    private int _trainSize, _testSize;

    /// <summary>Runs the job.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    /// <exception cref="IOException">Fashion-MNIST could not be obtained or an output file could not be written.</exception>
    public static FashionMnistReport Run(FashionMnistOptions options, TextWriter output) => JobPipeline.Run(new FashionMnistJob(), options, output);

    /// <inheritdoc/>
    public override string Name => "fashion-mnist";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files { get; } = new[] { ModelFile, ReportFile, PlotFile, RobustnessFile, FoolingFile };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate(FashionMnistOptions options) => options.Validate();

    /// <summary>
    /// The docs' Example 4: SpectralConv2d(1,16,3,same), GroupSort2, ScaledL2NormPool2d(2), SpectralConv2d(16,32,3,same),
    /// GroupSort2, ScaledL2NormPool2d(2), Flatten, SpectralLinear(1568,64), GroupSort2, FrobeniusLinear(64,10, disjoint
    /// neurons): each output is 1-Lipschitz (the map √10), so a certificate is (top1 − top2)/2.
    /// </summary>
    public static Sequential Build() => torchlip.Sequential(
        SpectralConv2d(1, 16, 3, Padding.Same), GroupSort2(), ScaledL2NormPool2d(2),
        SpectralConv2d(16, 32, 3, Padding.Same), GroupSort2(), ScaledL2NormPool2d(2),
        nn.Flatten(), SpectralLinear(32 * 7 * 7, 64), GroupSort2(), FrobeniusLinear(64, Classes, disjoint_neurons: true));

    /// <inheritdoc/>
    public override TrainingData LoadData(JobRun<FashionMnistOptions> run)
    {
        var options = run.Options;
        run.Output.WriteLine($"Loading Fashion-MNIST from {MnistFiles.ResolveDataDirectory(options.DataDir, MnistVariant.FashionMnist)} (fetched and verified on the first run)...");
        var files = new MnistFiles(options.DataDir, log: run.Output.WriteLine, variant: MnistVariant.FashionMnist);
        var (x, y) = TenClasses(true, options.TrainSamples, files, run.Device);
        var (testX, testY) = TenClasses(false, options.TestSamples, files, run.Device);
        (_trainSize, _testSize) = ((int)x.size(0), (int)testX.size(0));
        run.Output.WriteLine($"Train set size: {_trainSize} images of 10 classes; test set size: {_testSize}");
        if (options.BatchSize > _trainSize)
            throw new OptionsException($"--batch-size ({options.BatchSize}) is larger than the training set ({_trainSize} images): lower it.");
        var batches = new BatchIterator(x, y, options.BatchSize, options.Seed);
        return new TrainingData(batches, (testX, testY), batches, x, y, testX, testY);
    }

    // The data layer's ten-class preparation (pixels in [0, 1], (N, 1, 28, 28); class indices (N)), the first `count` images (0: all).
    private static (Tensor X, Tensor Y) TenClasses(bool train, int count, MnistFiles files, Device device)
    {
        using var set = FashionMnistDataset.Load(train, files);
        using var data = DataPreparation.prepare_multiclass(set);
        long n = count == 0 ? data.Count : Math.Min(count, data.Count);
        using var scope = torch.NewDisposeScope();
        return (data.x.narrow(0, 0, n).to(device).clone().MoveToOuterDisposeScope(), data.y.narrow(0, 0, n).to(device).clone().MoveToOuterDisposeScope());
    }

    /// <inheritdoc/>
    public override long[] SampleShape(FashionMnistOptions options) => new long[] { 1, 28, 28 };

    /// <inheritdoc/>
    public override Sequential BuildModel(FashionMnistOptions options) => Build();

    /// <inheritdoc/>
    public override Func<Tensor, Tensor, Tensor> Loss(FashionMnistOptions options)
    {
        var loss = _loss = torchlip.LseHKRMulticlassLoss(alpha: options.Alpha, temperature: options.Temperature, min_margin: options.MinMargin);
        // The notebook's one-hot targets, from the class indices the batches carry.
        return (scores, classes) =>
        {
            using var oneHot = nn.functional.one_hot(classes, Classes).to_type(scores.dtype);
            return loss.call(scores, oneHot);
        };
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IMetric> Metrics(FashionMnistOptions options) => new IMetric[] { new CategoricalAccuracy(), new KRMulticlassMetric() };

    /// <inheritdoc/>
    public override IReadOnlyList<IEvaluationMetric> EvaluationMetrics(FashionMnistOptions options) =>
        CertifiedAccuracy.At(Radii.ToArray()).Cast<IEvaluationMetric>().Append(new MeanCertificate()).ToList();

    /// <inheritdoc/>
    public override string? TrainingBanner(JobRun<FashionMnistOptions> run, TrainingData data) =>
        Invariant($"Training: {run.Options.Epochs} epochs of {data.Train.BatchesPerEpoch} steps (batch {run.Options.BatchSize}), loss LseHKRMulticlassLoss(alpha {run.Options.Alpha}, min_margin {run.Options.MinMargin}, temperature {run.Options.Temperature}), on {run.Device.type.ToString().ToLowerInvariant()}...");

    /// <inheritdoc/>
    public override string OnEpoch(JobRun<FashionMnistOptions> run, EpochRecord record, double seconds, double rssMb)
    {
        var row = new Dictionary<string, double> { ["epoch"] = record.Epoch };
        foreach (var (k, v) in record.Train) row[k] = v;
        foreach (var (k, v) in record.Validation!) row["val_" + k] = v;
        row["seconds"] = seconds;
        _epochs.Add(row);
        var (t, v1) = (record.Train, record.Validation!);
        return Invariant($"Epoch {record.Epoch}/{run.Options.Epochs}  loss: {t["loss"]:0.0000} - acc: {t["acc"]:0.0000} - KR: {t["KR"]:0.0000} - val_loss: {v1["loss"]:0.0000} - val_acc: {v1["acc"]:0.0000} - val_KR: {v1["KR"]:0.0000} - val_cra_0.25: {v1[CertifiedAccuracy.DefaultName(0.25)]:0.0000} - {seconds:0.0}s");
    }

    /// <inheritdoc/>
    public override FashionMnistReport Finish(JobRun<FashionMnistOptions> run, Sequential model, Trainer trainer, TrainingData data)
    {
        var (options, output, timings) = (run.Options, run.Output, run.Timings);
        var final = _epochs[^1];
        var certified = Radii.ToDictionary(e => e.ToString("R", CultureInfo.InvariantCulture), e => final["val_" + CertifiedAccuracy.DefaultName(e)]);
        output.WriteLine(Invariant($"Test set: accuracy {final["val_acc"]:0.0000}, KR {final["val_KR"]:0.0000}, certified accuracy ") +
            string.Join(", ", certified.Select(kv => Invariant($"eps={kv.Key}: {kv.Value:0.0000}"))) + Invariant($", mean certificate {final["val_mean_certificate"]:0.0000}"));

        var (testX, testY) = data.Validation!.Value;
        int attacked = options.AttackSamples == 0 ? (int)testX.size(0) : (int)Math.Min(options.AttackSamples, testX.size(0));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var xs = testX.narrow(0, 0, attacked);
        var ys = testY.narrow(0, 0, attacked);
        int estimated = Math.Min(attacked, EstimateSamples);
        var few = xs.narrow(0, 0, estimated);
        var lipschitz = LipschitzReport.Measure(model, few);
        double upper = lipschitz_upper_bound(model);
        timings.Estimates = watch.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Lipschitz: estimates (lower bounds) on {estimated} test images eps-perturbation {lipschitz.EpsEstimate:0.000000}, pairwise {lipschitz.PairwiseEstimate:0.000000}; certified upper bound of the map {upper:0.0000000} (each output: 1)"));

        output.WriteLine($"Attacking the first {attacked} test images (minimal L2 attack, {options.AttackSteps} steps x {options.AttackRounds} rounds)...");
        watch.Restart();
        var (attack, pictures) = Attack(model, xs, ys, options);
        timings.Evaluation += watch.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Attack: {attack.Found} of {attack.Samples} flipped in {attack.Seconds:0.0}s, median distance {attack.MedianDistance:0.0000}, certificate violations {attack.CertificateViolations} (tightest distance/certificate {attack.TightestRatio:0.0000})"));
        foreach (var f in attack.Fooled ?? Array.Empty<FooledImage>())
            output.WriteLine(Invariant($"  test image {f.Index}: {f.Label} -> {f.Adversarial}, certificate {f.Certificate:0.000}, distance {f.Distance:0.000}"));

        watch.Restart();
        run.Files.Write(ModelFile, path => model.save(path));
        run.Files.Write(PlotFile, path => TrainingPlot.Save(path, _epochs.Select(e => new TrainingPlot.Row((int)e["epoch"], e)).ToList(), PlotPanels));
        run.Files.Write(RobustnessFile, path => RobustnessPlot.Save(path, attack.Curve.Select(p => (p.Epsilon, p.Certified, p.Empirical)).ToList(),
            Invariant($"Fashion-MNIST, first {attacked} test images: certified vs attacked robust accuracy")));
        run.Files.Write(FoolingFile, path => FoolingGrid.Save(path, pictures, 0, 1));
        timings.Save = watch.Elapsed.TotalSeconds;
        timings.Total = run.Clock.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Timings (s): data {timings.Data:0.0}, training {timings.Training:0.0}, evaluation {timings.Evaluation:0.0}, estimates {timings.Estimates:0.0}, save {timings.Save:0.0}, total {timings.Total:0.0}"));

        return new FashionMnistReport
        {
            Options = options,
            OutputDirectory = run.Files.Directory,
            TrainSize = _trainSize,
            TestSize = _testSize,
            Model = model.ToString(),
            Loss = Invariant($"LseHKRMulticlassLoss(alpha = {options.Alpha}, min_margin = {options.MinMargin}, temperature = {options.Temperature}) on one-hot targets"),
            Epochs = _epochs,
            ValidationAccuracy = final["val_acc"],
            Kr = final["val_KR"],
            CertifiedAccuracy = certified,
            MeanCertificate = final["val_mean_certificate"],
            CertificateDivisor = 2.0,
            Attack = attack,
            Lipschitz = lipschitz,
            LipschitzUpperBound = upper,
            Checkpoint = ModelFile,
            Timings = timings,
            Files = Files,
        };
    }

    private static (AttackReport, List<(string, double[,], string, double[,])>) Attack(Sequential model, Tensor xs, Tensor ys, FashionMnistOptions options)
    {
        var check = AttackCheck.Run(model, xs, ys, options.AttackSteps, options.AttackRounds, options.Seed);
        var (radius, distance) = (check.Certificates, check.Distances);
        var names = FashionMnistDataset.ClassNames;
        var chosen = Enumerable.Range(0, check.Samples).Where(i => check.Correct(i) && double.IsFinite(distance[i])).Take(options.FoolingImages).ToList();
        var fooled = chosen.Select(i => new FooledImage(i, names[(int)check.Labels[i]], names[(int)check.AdversarialClasses[i]], radius[i], distance[i])).ToList();
        var pictures = chosen.Select(i => (
            Invariant($"{names[(int)check.Labels[i]]}\ncertificate {radius[i]:0.000}"), Pixels(xs[i]),
            Invariant($"-> {names[(int)check.AdversarialClasses[i]]}\ndistance {distance[i]:0.000}"), Pixels(check.Adversarial[i]))).ToList();
        return (check.Report(options.AttackSteps, options.AttackRounds, fooled), pictures);
    }

    // A (1, 28, 28) image as rows top to bottom (ScottPlot's heatmap draws row 0 at the top).
    private static double[,] Pixels(Tensor image)
    {
        var values = image.to_type(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        int size = FashionMnistDataset.ImageSize;
        var pixels = new double[size, size];
        for (int r = 0; r < size; r++)
            for (int c = 0; c < size; c++) pixels[r, c] = values[r * size + c];
        return pixels;
    }

    private static readonly IReadOnlyList<TrainingPlot.Panel> PlotPanels = new TrainingPlot.Panel[]
    {
        new("LseHKRMulticlassLoss", "loss", "val_loss", TrainingPlot.LegendAt.UpperRight),
        new("Accuracy", "acc", "val_acc", TrainingPlot.LegendAt.LowerRight),
        new("Multiclass KR", "KR", "val_KR", TrainingPlot.LegendAt.LowerRight),
    };
}
