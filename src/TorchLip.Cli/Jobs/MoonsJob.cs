using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Cli.Output;
using TorchLip.Data;
using TorchLip.Modules;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// deel-torchlip's "Example 2: HKR classifier on toy dataset": a 1-Lipschitz classifier of the two moons, whose output
/// is a certified distance to its decision boundary, drawn over the plane and checked geometrically on that grid.
/// </summary>
public static class MoonsJob
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ReportFile = "report.json", ContourFile = "contour.png";

    /// <summary>Grid points per axis of the contour plot and of the certificate check.</summary>
    public const int GridSize = 200;

    /// <summary>Runs the job, printing the per-epoch figures to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    public static MoonsReport Run(MoonsOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var errors = options.Validate();
        if (errors.Count > 0) throw new OptionsException(errors[0]);
        var outputDir = OutputDirectory.Prepare(options.Output);
        var total = Stopwatch.StartNew();
        torch.set_num_threads(options.Threads);

        var device = DeviceChoice.Resolve(options.Device);
        var (x, y) = TwoMoons.Generate(options.Samples, options.Noise, options.Seed);
        using var points = x.to(device);
        using var labels = y.to(device);
        output.WriteLine(Invariant($"Data: {options.Samples} two-moons points, noise {options.Noise}, seed {options.Seed}; upper moon +1, lower moon -1"));
        torch.manual_seed(options.Seed);
        using var model = WarningsToOutput.While(output, () => TutorialNetwork.Create(2, new long[] { 256, 128, 64 }, flatten: false));
        model.to(device);
        output.WriteLine(model);
        using var optimizer = torchlip.Adam(model.parameters(), lr: options.LearningRate);

        long n = options.Samples;
        using var batches = new BatchIterator(points, labels, options.BatchSize, options.Seed);
        var trainer = new Trainer(model, optimizer, (scores, targets) => hkr_loss(scores, targets, options.Alpha, options.MinMargin),
            new IMetric[] { new KRMetric(), new HingeMetric(options.MinMargin), new BinaryAccuracy() });
        var epochs = new List<MoonsEpoch>();
        var progress = ConsoleProgress.PerEpoch(output, options.ShowProgress);
        trainer.Fit(batches, options.Epochs,
            onStep: progress,
            onEpoch: record =>
            {
                var t = record.Train;
                var epoch = new MoonsEpoch(record.Epoch, t[Trainer.LossName], t["KR"], t["hinge"], t["acc"], record.Seconds);
                epochs.Add(epoch);
                output.WriteLine(Invariant($"Epoch {epoch.Epoch}/{options.Epochs}  loss: {epoch.Loss:0.0000} - KR: {epoch.Kr:0.0000} - hinge: {epoch.Hinge:0.0000} - acc: {epoch.Acc:0.0000} - {epoch.Seconds:0.0}s"));
            });

        model.eval();
        double accuracy;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
            accuracy = (model.call(points).sign() == labels).to_type(ScalarType.Float64).mean().item<double>();
        output.WriteLine(Invariant($"Training accuracy (eval mode, all {n} points): {accuracy:0.0000}"));

        var grid = Evaluate(model, points);
        var certificate = ZeroLevelCertificate.Check(grid);
        output.WriteLine(Invariant($"Certificate on a {GridSize}x{GridSize} grid: |f(x)| <= distance to the estimated boundary + {certificate.Step:0.0000} at every point: {(certificate.Violations == 0 ? "holds" : $"FAILS at {certificate.Violations} points")} (largest ratio {certificate.LargestRatio:0.0000}, {certificate.Crossings} boundary points)"));

        var xy = points.cpu().data<float>().ToArray();
        var signs = labels.cpu().data<float>().ToArray();
        var drawn = Enumerable.Range(0, (int)n).Select(i => ((double)xy[2 * i], (double)xy[2 * i + 1], (double)signs[i])).ToList();
        AtomicFile.Write(Path.Combine(outputDir, ContourFile), path => ContourPlot.Save(path, grid, new[] { -options.MinMargin, options.MinMargin }, drawn,
            Invariant($"1-Lipschitz HKR classifier: f = 0 (red), f = ±{options.MinMargin} (dashed)"), "f(x)"));
        var report = new MoonsReport
        {
            Options = options,
            OutputDirectory = outputDir,
            Model = model.ToString(),
            Epochs = epochs,
            TrainingAccuracy = accuracy,
            Certificate = certificate,
            Grid = new MoonsGrid(grid.XMin, grid.XMax, grid.YMin, grid.YMax, GridSize),
            Seconds = total.Elapsed.TotalSeconds,
            Files = new[] { ReportFile, ContourFile },
        };
        AtomicFile.WriteAllText(Path.Combine(outputDir, ReportFile), JsonSerializer.Serialize(report, ReportJson.Options));
        output.WriteLine($"Wrote {string.Join(", ", report.Files)} to {outputDir}");
        return report;
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

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
