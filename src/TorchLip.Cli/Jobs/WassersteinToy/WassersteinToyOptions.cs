using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the Wasserstein toy job; the defaults are deel-torchlip's notebook's ("Example 1").</summary>
public sealed record WassersteinToyOptions : JobOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/wasserstein-toy";

    /// <summary>The defaults.</summary>
    public WassersteinToyOptions() : base(DefaultOutput)
    {
        BatchSize = 16;
        LearningRate = 1e-2;
    }

    /// <summary>Training steps per epoch (each on a freshly drawn batch).</summary>
    public int StepsPerEpoch { get; init; } = 16;

    /// <summary>Every problem with the values, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonProblems();
        if (StepsPerEpoch <= 0) errors.Add($"--steps-per-epoch must be a positive integer, got {StepsPerEpoch}.");
        if (BatchSize < 2 || BatchSize % 2 != 0) errors.Add($"--batch-size must be an even integer >= 2 (half black images, half squares), got {BatchSize}.");
        return errors;
    }
}
