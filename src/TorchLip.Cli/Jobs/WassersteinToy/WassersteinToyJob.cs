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
/// deel-torchlip's "Example 1: Wasserstein distance estimation": a 1-Lipschitz network trained with the KR loss on
/// black images against centred squares (<see cref="SquareImages"/>, W1 = 35 exactly) estimates the distance from
/// below. A batch estimate above 35 would prove the network is not 1-Lipschitz, so every step's estimate is recorded.
/// </summary>
public sealed class WassersteinToyJob : TrainingJob<WassersteinToyOptions, WassersteinToyReport>
{
    /// <summary>The file names of the two plots.</summary>
    public const string ImagesFile = "images.png", EstimateFile = "estimate.png";

    private readonly List<double> _steps = new();
    private readonly List<WassersteinToyEpoch> _epochs = new();

    /// <summary>Runs the job, printing progress and the per-epoch estimate to <paramref name="output"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Where the text goes.</param>
    /// <exception cref="OptionsException">An option is unusable (checked before any work).</exception>
    public static WassersteinToyReport Run(WassersteinToyOptions options, TextWriter output) => JobPipeline.Run(new WassersteinToyJob(), options, output);

    /// <inheritdoc/>
    public override string Name => "wasserstein-toy";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Files { get; } = new[] { ReportFile, ImagesFile, EstimateFile };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Validate(WassersteinToyOptions options) => options.Validate();

    /// <inheritdoc/>
    public override TrainingData LoadData(JobRun<WassersteinToyOptions> run)
    {
        var (options, device) = (run.Options, run.Device);
        var images = new Generator((ulong)options.Seed);
        run.Output.WriteLine(Invariant($"Data: {SquareImages.Size}x{SquareImages.Size} images, half black (label -1), half a centred {SquareImages.Side}x{SquareImages.Side} square of +1 or -1 (label +1); true W1 = {SquareImages.Wasserstein1}"));
        var batches = new GeneratedBatches(() =>
        {
            var (x, y) = SquareImages.Sample(options.BatchSize, images);
            return (x.to(device), y.to(device));
        }, options.StepsPerEpoch, images);
        return new TrainingData(batches, null, images);
    }

    /// <inheritdoc/>
    public override long[] SampleShape(WassersteinToyOptions options) => new long[] { SquareImages.Size, SquareImages.Size };

    /// <inheritdoc/>
    public override Sequential BuildModel(WassersteinToyOptions options) => TutorialNetwork.Create(SquareImages.Size * SquareImages.Size);

    /// <inheritdoc/>
    public override Func<Tensor, Tensor, Tensor> Loss(WassersteinToyOptions options) => (scores, labels) => -kr_loss(scores, labels);

    /// <inheritdoc/>
    public override IReadOnlyList<IMetric> Metrics(WassersteinToyOptions options) => new IMetric[] { new KRMetric() };

    /// <inheritdoc/>
    public override void OnStep(StepRecord step) => _steps.Add(step.Batch["KR"]);   // on the weights that produced it (before the optimizer step)

    /// <inheritdoc/>
    public override System.Text.Json.Nodes.JsonNode? SaveState() => new System.Text.Json.Nodes.JsonObject
    {
        ["step_estimates"] = new System.Text.Json.Nodes.JsonArray(_steps.Select(s => (System.Text.Json.Nodes.JsonNode)s).ToArray()),
    };

    /// <inheritdoc/>
    public override void RestoreState(System.Text.Json.Nodes.JsonNode state)
    {
        _steps.Clear();
        _steps.AddRange(state["step_estimates"]!.AsArray().Select(n => (double)n!));
    }

    /// <inheritdoc/>
    public override string OnEpoch(JobRun<WassersteinToyOptions> run, EpochRecord record, double seconds, double rssMb)
    {
        var epoch = new WassersteinToyEpoch(record.Epoch, record.Train[Trainer.LossName], record.Train["KR"], record.Seconds);
        _epochs.Add(epoch);
        return Invariant($"Epoch {epoch.Epoch}/{run.Options.Epochs}  loss: {epoch.Loss:0.0000} - KR: {epoch.Kr:0.0000} (true W1 = {SquareImages.Wasserstein1}) - {epoch.Seconds:0.0}s");
    }

    /// <inheritdoc/>
    public override WassersteinToyReport Finish(JobRun<WassersteinToyOptions> run, Sequential model, Trainer trainer, TrainingData data)
    {
        double truth = SquareImages.Wasserstein1;
        double evalEstimate = EvalEstimate(model, run.Device);
        run.Output.WriteLine(Invariant($"Eval-mode estimate (f(square) - f(black), both signs averaged): {evalEstimate:0.0000}; largest step estimate {_steps.Max():0.0000} (never above W1 for a 1-Lipschitz network)"));
        run.Files.Write(ImagesFile, path => ImagePanels.Save(path, SampleImages(), -1, 1));
        run.Files.Write(EstimateFile, path => EstimatePlot.Save(path, _steps, truth,
            "KR estimate of W1 per training step", "KR estimate", Invariant($"true W1 = {truth}")));
        return new WassersteinToyReport
        {
            Options = run.Options,
            OutputDirectory = run.Files.Directory,
            TrueWasserstein1 = truth,
            Model = model.ToString(),
            Epochs = _epochs,
            StepEstimates = _steps,
            FinalEstimate = _epochs[^1].Kr,
            EvalEstimate = evalEstimate,
            Seconds = run.Clock.Elapsed.TotalSeconds,
            Files = Files,
        };
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
}
