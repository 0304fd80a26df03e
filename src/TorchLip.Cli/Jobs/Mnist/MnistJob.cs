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
/// All ten MNIST digits with a convolutional 1-Lipschitz network: per-epoch clean and certified accuracy, then the
/// certified accuracy at ε ∈ {0.5, 1, 1.58, 2}, the mean certificate, the Lipschitz estimates against the certified
/// upper bound, and a minimal L2 attack on the first test images that no certificate may beat.
/// </summary>
public sealed class MnistJob : TrainingJob<MnistOptions, MnistReport>
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ModelFile = "model.dat", PlotFile = "training.png", RobustnessFile = "robustness.png";

    /// <summary>The radii of the certified accuracy in the report.</summary>
    public static readonly IReadOnlyList<double> Radii = new[] { 0.5, 1.0, 1.58, 2.0 };

    private readonly List<IReadOnlyDictionary<string, double>> _epochs = new();
    private nn.Module<Tensor, Tensor, Tensor>? _loss;   // kept by the job for as long as training calls it
    private optim.Optimizer? _optimizer;
    private double _lr, _finalFactor = 1;
    private long _totalSteps, _stepsDone;
    private int _trainSize, _testSize;

    /// <summary>Runs the job.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    /// <exception cref="IOException">MNIST could not be obtained or an output file could not be written.</exception>
    public static MnistReport Run(MnistOptions options, TextWriter output) => JobPipeline.Run(new MnistJob(), options, output);

    /// <inheritdoc/>
    public override string Name => "mnist";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files { get; } = new[] { ModelFile, ReportFile, PlotFile, RobustnessFile };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate(MnistOptions options) => options.Validate();

    /// <summary>
    /// The <see cref="MnistOptions.Strided"/> network: SpectralConv2d(1,c,3,same), GroupSort2,
    /// SpectralConv2d(c,2c,4,stride 2,padding 1), GroupSort2, SpectralConv2d(2c,2c,4,stride 2,padding 1), GroupSort2,
    /// Flatten, SpectralLinear(2c·7·7,h), GroupSort2, SpectralLinear(h,10). Downsampling by strided convolutions keeps what
    /// an L2-norm pooling throws away (the signs and arrangement inside each window), and a 4×4 kernel at stride 2 reads
    /// each input pixel 4 times instead of a 3×3 kernel's 9, so its operator bound divides the kernel by 2 instead of 3.
    /// The last layer is orthogonal: the map is 1-Lipschitz and a certificate is margin/√2.
    /// </summary>
    /// <param name="channels">Channels c of the first convolution; the other two have 2c.</param>
    /// <param name="hidden">Width h of the hidden dense layer.</param>
    public static Sequential BuildStrided(int channels, int hidden) => torchlip.Sequential(
        SpectralConv2d(1, channels, 3, padding: 1), GroupSort2(),
        SpectralConv2d(channels, 2 * channels, 4, stride: 2, padding: 1), GroupSort2(),
        SpectralConv2d(2 * channels, 2 * channels, 4, stride: 2, padding: 1), GroupSort2(),
        nn.Flatten(), SpectralLinear(2 * channels * 7 * 7, hidden), GroupSort2(), SpectralLinear(hidden, 10));

    /// <summary>
    /// The <see cref="MnistOptions.Pooled"/> network, the docs' Example 4 with an orthogonal last layer:
    /// SpectralConv2d(1,c,3,same), GroupSort2, ScaledL2NormPool2d(2), SpectralConv2d(c,2c,3,same), GroupSort2,
    /// ScaledL2NormPool2d(2), Flatten, SpectralLinear(2c·7·7,h), GroupSort2, SpectralLinear(h,10) (Example 4's c = 16,
    /// h = 64; its FrobeniusLinear with disjoint neurons bounds each output by 1 but the map by √10, margin/2).
    /// </summary>
    /// <param name="channels">Channels c of the first convolution; the second has 2c.</param>
    /// <param name="hidden">Width h of the hidden dense layer.</param>
    public static Sequential BuildPooled(int channels = 16, int hidden = 64) => torchlip.Sequential(
        SpectralConv2d(1, channels, 3, padding: 1), GroupSort2(), ScaledL2NormPool2d(2),
        SpectralConv2d(channels, 2 * channels, 3, padding: 1), GroupSort2(), ScaledL2NormPool2d(2),
        nn.Flatten(), SpectralLinear(2 * channels * 7 * 7, hidden), GroupSort2(), SpectralLinear(hidden, 10));

    /// <summary>The network <paramref name="options"/> describe (<see cref="MnistOptions.Network"/>, channels, hidden width).</summary>
    /// <param name="options">The settings.</param>
    public static Sequential Build(MnistOptions options) => options.Network == MnistOptions.Pooled
        ? BuildPooled(options.Channels, options.Hidden)
        : BuildStrided(options.Channels, options.Hidden);

    /// <inheritdoc/>
    public override TrainingData LoadData(JobRun<MnistOptions> run)
    {
        var options = run.Options;
        run.Output.WriteLine($"Loading MNIST from {MnistFiles.ResolveDataDirectory(options.DataDir)} (55 MB, fetched and verified on the first run)...");
        var files = new MnistFiles(options.DataDir, log: run.Output.WriteLine);
        var (x, y) = TenClasses(true, options.TrainSamples, files, run.Device);
        var (testX, testY) = TenClasses(false, options.TestSamples, files, run.Device);
        (_trainSize, _testSize) = ((int)x.size(0), (int)testX.size(0));
        run.Output.WriteLine($"Train set size: {_trainSize} images of 10 digits; test set size: {_testSize}");
        if (options.BatchSize > _trainSize)
            throw new OptionsException($"--batch-size ({options.BatchSize}) is larger than the training set ({_trainSize} images): lower it.");
        var batches = new BatchIterator(x, y, options.BatchSize, options.Seed);
        _totalSteps = (long)batches.BatchesPerEpoch * options.Epochs;
        return new TrainingData(batches, (testX, testY), batches, x, y, testX, testY);
    }

    // The data layer's ten-class preparation (pixels in [0, 1], (N, 1, 28, 28); class indices (N)), the first `count` images (0: all).
    private static (Tensor X, Tensor Y) TenClasses(bool train, int count, MnistFiles files, Device device)
    {
        using var set = MnistDataset.Load(train, files);
        using var data = DataPreparation.prepare_multiclass(set);
        long n = count == 0 ? data.Count : Math.Min(count, data.Count);
        using var scope = torch.NewDisposeScope();
        return (data.x.narrow(0, 0, n).to(device).clone().MoveToOuterDisposeScope(), data.y.narrow(0, 0, n).to(device).clone().MoveToOuterDisposeScope());
    }

    /// <inheritdoc/>
    public override long[] SampleShape(MnistOptions options) => new long[] { 1, 28, 28 };

    /// <inheritdoc/>
    public override Sequential BuildModel(MnistOptions options) => Build(options);

    /// <inheritdoc/>
    public override void OnOptimizer(MnistOptions options, optim.Optimizer optimizer) =>
        (_optimizer, _lr, _finalFactor, _stepsDone) = (optimizer, options.LearningRate, options.FinalLrFactor, 0);

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonNode? SaveState() => new System.Text.Json.Nodes.JsonObject { ["steps_done"] = _stepsDone };

    /// <inheritdoc/>
    public override void RestoreState(System.Text.Json.Nodes.JsonNode state) => _stepsDone = (long)state["steps_done"]!;

    /// <inheritdoc/>
    public override void OnStep(StepRecord step)
    {
        // Linear decay, step by step, from --lr to --lr * --final-lr-factor at the last step.
        if (_optimizer is null || _finalFactor == 1 || _totalSteps == 0) return;
        _stepsDone++;
        double lr = _lr * (1 - (1 - _finalFactor) * Math.Min(1.0, _stepsDone / (double)_totalSteps));
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
    }

    /// <inheritdoc/>
    public override Func<Tensor, Tensor, Tensor> Loss(MnistOptions options)
    {
        // The library's TauCrossEntropyLoss, cross_entropy(τ·f, y)/τ, or HKRMulticlassLoss (deel-torchlip's, golden-tested).
        if (options.Loss == MnistOptions.Hkr)
        {
            var hkr = torchlip.HKRMulticlassLoss(options.Alpha, options.MinMargin);
            _loss = hkr;
            return (scores, classes) => hkr.call(scores, classes);
        }
        var loss = torchlip.TauCrossEntropyLoss(options.Tau);
        _loss = loss;
        if (options.Loss == MnistOptions.MarginCrossEntropy)
        {
            // Lipschitz-margin training (Tsuzuku et al. 2018): the true class's logit lowered by the margin, so the
            // cross-entropy keeps pushing until the margin exceeds it (a certificate of margin/√2 here).
            double margin = options.MinMargin;
            return (scores, classes) =>
            {
                using var minus = (-margin).ToScalar();
                return loss.call(scores.add(nn.functional.one_hot(classes, scores.size(1)).to_type(scores.dtype), minus), classes);
            };
        }
        return (scores, classes) => loss.call(scores, classes);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<IMetric> Metrics(MnistOptions options) => new IMetric[] { new CategoricalAccuracy() };

    /// <inheritdoc/>
    public override IReadOnlyList<IEvaluationMetric> EvaluationMetrics(MnistOptions options) =>
        CertifiedAccuracy.At(Radii.ToArray()).Cast<IEvaluationMetric>().Append(new MeanCertificate()).ToList();

    /// <inheritdoc/>
    public override string? TrainingBanner(JobRun<MnistOptions> run, TrainingData data) =>
        $"Training: {run.Options.Epochs} epochs of {data.Train.BatchesPerEpoch} steps (batch {run.Options.BatchSize}), loss {LossText(run.Options)}, lr {run.Options.LearningRate.ToString(CultureInfo.InvariantCulture)} (final factor {run.Options.FinalLrFactor.ToString(CultureInfo.InvariantCulture)}), on {run.Device.type.ToString().ToLowerInvariant()}...";

    /// <inheritdoc/>
    public override string OnEpoch(JobRun<MnistOptions> run, EpochRecord record, double seconds, double rssMb)
    {
        var row = new Dictionary<string, double> { ["epoch"] = record.Epoch };
        foreach (var (k, v) in record.Train) row[k] = v;
        foreach (var (k, v) in record.Validation!) row["val_" + k] = v;
        row["seconds"] = seconds;
        _epochs.Add(row);
        var v1 = record.Validation!;
        return Invariant($"Epoch {record.Epoch}/{run.Options.Epochs}  loss: {record.Train["loss"]:0.0000} - acc: {record.Train["acc"]:0.0000} - val_loss: {v1["loss"]:0.0000} - val_acc: {v1["acc"]:0.0000} - val_cra_1.58: {v1[CertifiedAccuracy.DefaultName(1.58)]:0.0000} - val_mean_certificate: {v1["mean_certificate"]:0.000} - {seconds:0.0}s");
    }

    /// <inheritdoc/>
    public override MnistReport Finish(JobRun<MnistOptions> run, Sequential model, Trainer trainer, TrainingData data)
    {
        var (options, output, timings) = (run.Options, run.Output, run.Timings);
        var final = _epochs[^1];
        var certified = Radii.ToDictionary(e => e.ToString("R", CultureInfo.InvariantCulture), e => final["val_" + CertifiedAccuracy.DefaultName(e)]);
        output.WriteLine(Invariant($"Test set: clean accuracy {final["val_acc"]:0.0000}, certified accuracy ") +
            string.Join(", ", certified.Select(kv => Invariant($"eps={kv.Key}: {kv.Value:0.0000}"))) + Invariant($", mean certificate {final["val_mean_certificate"]:0.0000}"));

        var (testX, testY) = data.Validation!.Value;
        int attacked = (int)Math.Min(options.AttackSamples, testX.size(0));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var xs = testX.narrow(0, 0, attacked);
        var ys = testY.narrow(0, 0, attacked);
        var lipschitz = LipschitzReport.Measure(model, xs);
        double upper = lipschitz_upper_bound(model);
        double computed = ComputedBound(model, SampleShape(options));
        timings.Estimates = watch.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Lipschitz: estimates (lower bounds) on {attacked} test images eps-perturbation {lipschitz.EpsEstimate:0.000000}, pairwise {lipschitz.PairwiseEstimate:0.000000}; certified upper bound {upper:0.0000000} (layers' constants with their rounding allowance), {computed:0.0000000} computed from the weights applied (certify_model of the export)"));

        output.WriteLine($"Attacking the first {attacked} test images (minimal L2 attack, {options.AttackSteps} steps x {options.AttackRounds} rounds)...");
        watch.Restart();
        var attack = AttackCheck.Run(model, xs, ys, options.AttackSteps, options.AttackRounds, options.Seed).Report(options.AttackSteps, options.AttackRounds);
        timings.Export = 0;
        timings.Evaluation += watch.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Attack: {attack.Found} of {attack.Samples} flipped, median distance {attack.MedianDistance:0.0000}, certificate violations {attack.CertificateViolations} (tightest distance/certificate {attack.TightestRatio:0.0000})"));

        watch.Restart();
        run.Files.Write(ModelFile, path => model.save(path));
        run.Files.Write(PlotFile, path => TrainingPlot.Save(path, _epochs.Select(e => new TrainingPlot.Row((int)e["epoch"], e)).ToList(), PlotPanels));
        run.Files.Write(RobustnessFile, path => RobustnessPlot.Save(path, attack.Curve.Select(p => (p.Epsilon, p.Certified, p.Empirical)).ToList(),
            Invariant($"MNIST, first {attacked} test images: certified vs attacked robust accuracy")));
        timings.Save = watch.Elapsed.TotalSeconds;
        timings.Total = run.Clock.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"Timings (s): data {timings.Data:0.0}, training {timings.Training:0.0}, evaluation {timings.Evaluation:0.0}, estimates {timings.Estimates:0.0}, save {timings.Save:0.0}, total {timings.Total:0.0}"));

        return new MnistReport
        {
            Options = options,
            OutputDirectory = run.Files.Directory,
            TrainSize = _trainSize,
            TestSize = _testSize,
            Model = model.ToString(),
            Loss = LossText(options),
            Epochs = _epochs,
            CleanAccuracy = final["val_acc"],
            CertifiedAccuracy = certified,
            MeanCertificate = final["val_mean_certificate"],
            Attack = attack,
            Lipschitz = lipschitz,
            LipschitzUpperBound = upper,
            ComputedUpperBound = computed,
            Checkpoint = ModelFile,
            Timings = timings,
            Files = Files,
        };
    }

    // The product of float64 certificates of the weights the model applies (certify_model of vanilla_export): tighter than
    // the layers' blanket rounding allowance, (1 + 1e-5) per constrained layer.
    private static double ComputedBound(Sequential model, long[] sample)
    {
        using var plain = model.vanilla_export();
        return certify_model(plain, sample).Bound;
    }

    private static string LossText(MnistOptions options) => options.Loss switch
    {
        MnistOptions.Hkr => Invariant($"hkr: HKRMulticlassLoss, alpha = {options.Alpha}, min_margin = {options.MinMargin}"),
        MnistOptions.MarginCrossEntropy => Invariant($"margin-ce: cross_entropy(tau*(f - margin*onehot(y)), y)/tau, tau = {options.Tau}, margin = {options.MinMargin}"),
        _ => Invariant($"tau-cross-entropy: cross_entropy(tau*f, y)/tau, tau = {options.Tau}"),
    };

    private static readonly IReadOnlyList<TrainingPlot.Panel> PlotPanels = new TrainingPlot.Panel[]
    {
        new("Loss", "loss", "val_loss", TrainingPlot.LegendAt.UpperRight),
        new("Accuracy", "acc", "val_acc", TrainingPlot.LegendAt.LowerRight),
        new("Certified accuracy at eps = 1.58 (validation)", "val_cra_1.58", null, TrainingPlot.LegendAt.LowerRight),
    };
}
