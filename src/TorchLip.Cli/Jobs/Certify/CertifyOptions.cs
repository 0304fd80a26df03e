using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace TorchLip.Cli.Jobs;

/// <summary>The settings of <c>torchlip certify</c>.</summary>
public sealed record CertifyOptions
{
    /// <summary>The test sets certify knows, by <c>--data</c> name.</summary>
    public static IReadOnlyList<string> DataSets { get; } = new[] { "mnist08", "mnist", "fashion-mnist" };

    /// <summary>The default radii: the field's usual MNIST radii.</summary>
    public static IReadOnlyList<double> DefaultRadii { get; } = new[] { 0.1, 0.25, 0.5, 1.0, 1.58, 2.0 };

    /// <summary>
    /// The model: a training command's output directory or checkpoint, a <c>.pth</c> or <c>.safetensors</c> state_dict
    /// of a plain model (with <see cref="Architecture"/>), or an <c>.onnx</c> file.
    /// </summary>
    public required string Model { get; init; }

    /// <summary>The test set (one of <see cref="DataSets"/>); null: the one the checkpoint's command trained on.</summary>
    public string? Data { get; init; }

    /// <summary>The plain model's layers for a state_dict (<c>torchlip.plain_sequential</c>'s description), else null.</summary>
    public string? Architecture { get; init; }

    /// <summary>The L2 radii at which certified accuracy is reported.</summary>
    public IReadOnlyList<double> Radii { get; init; } = DefaultRadii;

    /// <summary>Where the JSON report goes, or null for none.</summary>
    public string? Json { get; init; }

    /// <summary>Where the certificate histogram goes; null: beside the model (see <see cref="HistogramPath"/>).</summary>
    public string? Histogram { get; init; }

    /// <summary>Test samples used, the first ones (0: all).</summary>
    public int TestSamples { get; init; }

    /// <summary>The data directory, or null for the dataset's default.</summary>
    public string? DataDir { get; init; }

    /// <summary>Samples per forward pass.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Torch intra-op threads.</summary>
    public int Threads { get; init; } = JobOptions.DefaultThreads;

    /// <summary>The histogram's path: <see cref="Histogram"/>, else certificates.png in a model directory, else MODEL.certificates.png.</summary>
    public string HistogramPath => Histogram
        ?? (Directory.Exists(Model) ? Path.Combine(Model, "certificates.png") : Model + ".certificates.png");

    /// <summary>Every problem with the options, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Model)) errors.Add("MODEL must name a checkpoint directory or file, a .pth/.safetensors file (with --arch) or an .onnx file.");
        if (Data is not null && !DataSets.Contains(Data))
            errors.Add($"--data must be one of {string.Join(", ", DataSets)}, got '{Data}'.");
        if (Radii.Count == 0) errors.Add("--radii needs at least one radius.");
        foreach (var r in Radii.Where(r => !(r >= 0) || double.IsInfinity(r)))
            errors.Add($"--radii: each radius must be a finite number >= 0, got {r.ToString("R", CultureInfo.InvariantCulture)}.");
        if (TestSamples < 0) errors.Add($"--test-samples must be >= 0 (0: all), got {TestSamples}.");
        if (BatchSize <= 0) errors.Add($"--batch-size must be a positive integer, got {BatchSize}.");
        if (JobOptions.ThreadsProblem(Threads) is string threads) errors.Add(threads);
        if (Architecture is not null && string.IsNullOrWhiteSpace(Architecture)) errors.Add("--arch must describe the layers, e.g. \"flatten; linear(784, 128); relu; linear(128, 10)\".");
        return errors;
    }
}
