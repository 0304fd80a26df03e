using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using TorchLip.Cli.Output;
using TorchLip.Data;
using TorchLip.Modules;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using static System.FormattableString;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// deel-torchlip's "Example 2: HKR classifier on toy dataset": a 1-Lipschitz classifier of the two moons, whose output
/// is a certified distance to its decision boundary, drawn over the plane and checked geometrically on that grid.
/// </summary>
public sealed class MoonsJob : TrainingJob<MoonsOptions, MoonsReport>
{
    /// <summary>The contour plot's file name.</summary>
    public const string ContourFile = "contour.png";

    /// <summary>Grid points per axis of the contour plot and of the certificate check.</summary>
    public const int GridSize = 200;

    private readonly List<MoonsEpoch> _epochs = new();

    /// <summary>Runs the job, printing the per-epoch figures to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    public static MoonsReport Run(MoonsOptions options, TextWriter output) => JobPipeline.Run(new MoonsJob(), options, output);

    /// <inheritdoc/>
    public override string Name => "moons";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files { get; } = new[] { ReportFile, ContourFile };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate(MoonsOptions options) => options.Validate();

    /// <inheritdoc/>
    public override TrainingData LoadData(JobRun<MoonsOptions> run)
    {
        var options = run.Options;
        var (x, y) = TwoMoons.Generate(options.Samples, options.Noise, options.Seed);
        var points = x.to(run.Device);
        var labels = y.to(run.Device);
        run.Output.WriteLine(Invariant($"Data: {options.Samples} two-moons points, noise {options.Noise}, seed {options.Seed}; upper moon +1, lower moon -1"));
        var batches = new BatchIterator(points, labels, options.BatchSize, options.Seed);
        // The points travel as the data's owned tensors; Finish evaluates on all of them.
        _points = (points, labels);
        return new TrainingData(batches, null, batches, points, labels);
    }

    private (Tensor X, Tensor Y) _points;

    /// <inheritdoc/>
    public override long[] SampleShape(MoonsOptions options) => new long[] { 2 };

    /// <inheritdoc/>
    public override Sequential BuildModel(MoonsOptions options) => TutorialNetwork.Create(2, new long[] { 256, 128, 64 }, flatten: false);

    /// <inheritdoc/>
    public override Func<Tensor, Tensor, Tensor> Loss(MoonsOptions options) => (scores, targets) => hkr_loss(scores, targets, options.Alpha, options.MinMargin);

    /// <inheritdoc/>
    public override IReadOnlyList<IMetric> Metrics(MoonsOptions options) => new IMetric[] { new KRMetric(), new HingeMetric(options.MinMargin), new BinaryAccuracy() };

    /// <inheritdoc/>
    public override string OnEpoch(JobRun<MoonsOptions> run, EpochRecord record, double seconds, double rssMb)
    {
        var t = record.Train;
        var epoch = new MoonsEpoch(record.Epoch, t[Trainer.LossName], t["KR"], t["hinge"], t["acc"], record.Seconds);
        _epochs.Add(epoch);
        return Invariant($"Epoch {epoch.Epoch}/{run.Options.Epochs}  loss: {epoch.Loss:0.0000} - KR: {epoch.Kr:0.0000} - hinge: {epoch.Hinge:0.0000} - acc: {epoch.Acc:0.0000} - {epoch.Seconds:0.0}s");
    }

    /// <inheritdoc/>
    public override MoonsReport Finish(JobRun<MoonsOptions> run, Sequential model, Trainer trainer, TrainingData data)
    {
        var (options, output) = (run.Options, run.Output);
        var (points, labels) = _points;
        long n = options.Samples;
        double accuracy = trainer.Evaluate(points, labels)["acc"];
        output.WriteLine(Invariant($"Training accuracy (eval mode, all {n} points): {accuracy:0.0000}"));

        var grid = Evaluate(model, points);
        var certificate = ZeroLevelCertificate.Check(grid);
        output.WriteLine(Invariant($"Certificate on a {GridSize}x{GridSize} grid: |f(x)| <= distance to the estimated boundary + {certificate.Step:0.0000} at every point: {(certificate.Violations == 0 ? "holds" : $"FAILS at {certificate.Violations} points")} (largest ratio {certificate.LargestRatio:0.0000}, {certificate.Crossings} boundary points)"));

        var xy = points.cpu().data<float>().ToArray();
        var signs = labels.cpu().data<float>().ToArray();
        var drawn = Enumerable.Range(0, (int)n).Select(i => ((double)xy[2 * i], (double)xy[2 * i + 1], (double)signs[i])).ToList();
        run.Files.Write(ContourFile, path => ContourPlot.Save(path, grid, new[] { -options.MinMargin, options.MinMargin }, drawn,
            Invariant($"1-Lipschitz HKR classifier: f = 0 (red), f = ±{options.MinMargin} (dashed)"), "f(x)"));
        return new MoonsReport
        {
            Options = options,
            OutputDirectory = run.Files.Directory,
            Model = model.ToString(),
            Epochs = _epochs,
            TrainingAccuracy = accuracy,
            Certificate = certificate,
            Grid = new MoonsGrid(grid.XMin, grid.XMax, grid.YMin, grid.YMax, GridSize),
            Seconds = run.Clock.Elapsed.TotalSeconds,
            Files = Files,
        };
    }

    /// <summary>f over the data's bounding box widened by 0.5, on a <see cref="GridSize"/>² grid, in eval mode.</summary>
    private static FieldGrid Evaluate(Sequential model, Tensor points)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var low = points.amin(0).to_type(ScalarType.Float64);
        var high = points.amax(0).to_type(ScalarType.Float64);
        double x0 = low[0].item<double>() - 0.5, x1 = high[0].item<double>() + 0.5, y0 = low[1].item<double>() - 0.5, y1 = high[1].item<double>() + 0.5;
        var xs = linspace(x0, x1, GridSize, dtype: ScalarType.Float64);
        var ys = linspace(y0, y1, GridSize, dtype: ScalarType.Float64);
        var mesh = meshgrid(new[] { ys, xs }, indexing: "ij");   // [r, c] = (y_r, x_c)
        var plane = stack(new[] { mesh[1].flatten(), mesh[0].flatten() }, 1).to_type(ScalarType.Float32).to(points.device);
        var f = model.call(plane).to_type(ScalarType.Float64).flatten().cpu().data<double>().ToArray();
        var values = new double[GridSize, GridSize];
        for (int r = 0; r < GridSize; r++)
            for (int c = 0; c < GridSize; c++)
                values[r, c] = f[r * GridSize + c];
        return new FieldGrid(x0, x1, y0, y1, values);
    }
}
