using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the two-moons job; the defaults are deel-torchlip's notebook's ("Example 2").</summary>
public sealed record MoonsOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/moons";

    /// <summary>Number of epochs.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Number of points.</summary>
    public int Samples { get; init; } = 5000;

    /// <summary>Standard deviation of the noise added to the points.</summary>
    public double Noise { get; init; } = 0.05;

    /// <summary>Points per training step.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// HKR weight of the hinge term in this library's form α·hinge − KR: the notebook's <c>HKRLoss(alpha=0.98)</c> is
    /// 0.98·hinge − 0.02·KR (deel-torchlip 1.x), which is 0.02·(49·hinge − KR): the same minimiser, the loss scaled by 50.
    /// </summary>
    public double Alpha { get; init; } = 49;

    /// <summary>
    /// Hinge margin in this library's form relu(m − y·f): deel-torchlip 1.x's <c>min_margin=0.29</c> is relu(0.29/2 − y·f).
    /// </summary>
    public double MinMargin { get; init; } = 0.145;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Seed of the data, the weight initialization and the batch order.</summary>
    public long Seed { get; init; }

    /// <summary>Torch intra-op threads.</summary>
    public int Threads { get; init; } = Mnist08Options.DefaultThreads;

    /// <summary>Directory receiving report.json and contour.png.</summary>
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
        if (Samples < 2) errors.Add($"--samples must be at least 2, got {Samples}.");
        if (!(Noise >= 0) || double.IsInfinity(Noise)) errors.Add($"--noise must be a finite number >= 0, got {Noise}.");
        if (BatchSize <= 0) errors.Add($"--batch-size must be a positive integer, got {BatchSize}.");
        else if (BatchSize > Samples) errors.Add($"--batch-size ({BatchSize}) is larger than the data set ({Samples} points): lower it or raise --samples.");
        if (!(Alpha >= 0) || double.IsInfinity(Alpha)) errors.Add($"--alpha must be a finite number >= 0, got {Alpha}.");
        if (!(MinMargin >= 0) || double.IsInfinity(MinMargin)) errors.Add($"--min-margin must be a finite number >= 0, got {MinMargin}.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) errors.Add($"--lr must be a finite number > 0, got {LearningRate}.");
        return errors;
    }
}
