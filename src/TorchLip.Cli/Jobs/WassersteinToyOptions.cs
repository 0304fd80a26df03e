using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the Wasserstein toy job; the defaults are deel-torchlip's notebook's ("Example 1").</summary>
public sealed record WassersteinToyOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/wasserstein-toy";

    /// <summary>Number of epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Training steps per epoch (each on a freshly drawn batch).</summary>
    public int StepsPerEpoch { get; init; } = 16;

    /// <summary>Images per batch (even: half black, half squares).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Seed of the weight initialization and of the images.</summary>
    public long Seed { get; init; }

    /// <summary>Torch intra-op threads.</summary>
    public int Threads { get; init; } = Mnist08Options.DefaultThreads;

    /// <summary>Directory receiving report.json, images.png and estimate.png.</summary>
    public string Output { get; init; } = DefaultOutput;

    /// <summary>The torch device: cpu, cuda or cuda:N.</summary>
    public string Device { get; init; } = DeviceChoice.Default;

    /// <summary>Draw a progress bar during each epoch (only sensible on a terminal).</summary>
    [JsonIgnore]
    public bool ShowProgress { get; init; }

    /// <summary>Every problem with the values, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonOptionChecks.Validate(Epochs, Seed, Threads, Device, Output);
        if (StepsPerEpoch <= 0) errors.Add($"--steps-per-epoch must be a positive integer, got {StepsPerEpoch}.");
        if (BatchSize < 2 || BatchSize % 2 != 0) errors.Add($"--batch-size must be an even integer >= 2 (half black images, half squares), got {BatchSize}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) errors.Add($"--lr must be a finite number > 0, got {LearningRate}.");
        return errors;
    }
}
