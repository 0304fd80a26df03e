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
/// deel-torchlip's "Example 1: Wasserstein distance estimation": a 1-Lipschitz network trained with the KR loss on
/// black images against centred squares (<see cref="SquareImages"/>, W1 = 35 exactly) estimates the distance from
/// below. A batch estimate above 35 would prove the network is not 1-Lipschitz, so every step's estimate is recorded.
/// </summary>
public static class WassersteinToyJob
{
    /// <summary>The file names written into the output directory.</summary>
    public const string ReportFile = "report.json", ImagesFile = "images.png", EstimateFile = "estimate.png";

    /// <summary>Runs the job, printing progress and the per-epoch estimate to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    public static WassersteinToyReport Run(WassersteinToyOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var errors = options.Validate();
        if (errors.Count > 0) throw new OptionsException(errors[0]);
        var outputDir = OutputDirectory.Prepare(options.Output);
        var total = Stopwatch.StartNew();
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        using var images = new Generator((ulong)options.Seed);

        double truth = SquareImages.Wasserstein1;
        output.WriteLine(Invariant($"Data: {SquareImages.Size}x{SquareImages.Size} images, half black (label -1), half a centred {SquareImages.Side}x{SquareImages.Side} square of +1 or -1 (label +1); true W1 = {truth}"));
        var device = DeviceChoice.Resolve(options.Device);
        using var model = WarningsToOutput.While(output, () => TutorialNetwork.Create(SquareImages.Size * SquareImages.Size));
        model.to(device);
        output.WriteLine(model);
        using var optimizer = torchlip.Adam(model.parameters(), lr: options.LearningRate);

        var trainer = new Trainer(model, optimizer, (scores, labels) => -kr_loss(scores, labels), new IMetric[] { new KRMetric() });
        var batches = new GeneratedBatches(() =>
        {
            var (x, y) = SquareImages.Sample(options.BatchSize, images);
            return (x.to(device), y.to(device));
        }, options.StepsPerEpoch);
        var steps = new List<double>();
        var epochs = new List<WassersteinToyEpoch>();
        var progress = ConsoleProgress.PerEpoch(output, options.ShowProgress);
        trainer.Fit(batches, options.Epochs,
            onStep: step =>
            {
                // The batch's estimate, on the weights that produced it (before the optimizer step).
                steps.Add(step.Batch["KR"]);
                progress(step);
            },
            onEpoch: record =>
            {
                var epoch = new WassersteinToyEpoch(record.Epoch, record.Train[Trainer.LossName], record.Train["KR"], record.Seconds);
                epochs.Add(epoch);
                output.WriteLine(Invariant($"Epoch {epoch.Epoch}/{options.Epochs}  loss: {epoch.Loss:0.0000} - KR: {epoch.Kr:0.0000} (true W1 = {truth}) - {epoch.Seconds:0.0}s"));
            });

        model.eval();
        double evalEstimate = EvalEstimate(model, device);
        output.WriteLine(Invariant($"Eval-mode estimate (f(square) - f(black), both signs averaged): {evalEstimate:0.0000}; largest step estimate {steps.Max():0.0000} (never above W1 for a 1-Lipschitz network)"));

        AtomicFile.Write(Path.Combine(outputDir, ImagesFile), path => ImagePanels.Save(path, SampleImages(), -1, 1));
        AtomicFile.Write(Path.Combine(outputDir, EstimateFile), path => EstimatePlot.Save(path, steps, truth,
            "KR estimate of W1 per training step", "KR estimate", Invariant($"true W1 = {truth}")));
        var report = new WassersteinToyReport
        {
            Options = options,
            OutputDirectory = outputDir,
            TrueWasserstein1 = truth,
            Model = model.ToString(),
            Epochs = epochs,
            StepEstimates = steps,
            FinalEstimate = epochs[^1].Kr,
            EvalEstimate = evalEstimate,
            Seconds = total.Elapsed.TotalSeconds,
            Files = new[] { ReportFile, ImagesFile, EstimateFile },
        };
        AtomicFile.WriteAllText(Path.Combine(outputDir, ReportFile), JsonSerializer.Serialize(report, ReportJson.Options));
        output.WriteLine($"Wrote {string.Join(", ", report.Files)} to {outputDir}");
        return report;
    }

    // The two square images against the black one: the exact expectation the KR loss estimates.
    private static double EvalEstimate(Sequential model, Device device)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = ThreeImages().to(device);
        var f = model.call(x).to_type(ScalarType.Float64).flatten();
        using Scalar one = 1.ToScalar(), two = 2.ToScalar();
        return (f[1].add(f[2], one).div(two) - f[0]).item<double>();
    }

    private static Tensor ThreeImages()
    {
        int start = (SquareImages.Size - SquareImages.Side) / 2;
        var x = zeros(3, SquareImages.Size, SquareImages.Size);
        using Scalar white = 1f.ToScalar(), black = (-1f).ToScalar();
        x[1].narrow(0, start, SquareImages.Side).narrow(1, start, SquareImages.Side).fill_(white);
        x[2].narrow(0, start, SquareImages.Side).narrow(1, start, SquareImages.Side).fill_(black);
        return x;
    }

    private static List<(string, double[,])> SampleImages()
    {
        using var scope = torch.NewDisposeScope();
        var x = ThreeImages().to_type(ScalarType.Float64);
        var titles = new[] { "all zeros, \"black\" (label -1)", "square of +1 (label +1)", "square of -1 (label +1)" };
        return Enumerable.Range(0, 3).Select(i => (titles[i], ToArray(x[i]))).ToList();
    }

    private static double[,] ToArray(Tensor image)
    {
        int n = (int)image.size(0);
        var data = image.data<double>().ToArray();
        var pixels = new double[n, n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                pixels[r, c] = data[r * n + c];
        return pixels;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
