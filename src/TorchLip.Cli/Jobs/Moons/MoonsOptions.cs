using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the two-moons job; the defaults are deel-torchlip's notebook's ("Example 2").</summary>
public sealed record MoonsOptions : JobOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/moons";

    /// <summary>The defaults.</summary>
    public MoonsOptions() : base(DefaultOutput)
    {
        BatchSize = 256;
        LearningRate = 1e-2;
    }

    /// <summary>Number of points.</summary>
    public int Samples { get; init; } = 5000;

    /// <summary>Standard deviation of the noise added to the points.</summary>
    public double Noise { get; init; } = 0.05;

    /// <summary>
    /// HKR weight of the hinge term in this library's form α·hinge − KR: the notebook's <c>HKRLoss(alpha=0.98)</c> is
    /// 0.98·hinge − 0.02·KR (deel-torchlip 1.x), which is 0.02·(49·hinge − KR): the same minimiser, the loss scaled by 50.
    /// </summary>
    public double Alpha { get; init; } = 49;

    /// <summary>
    /// Hinge margin in this library's form relu(m − y·f): deel-torchlip 1.x's <c>min_margin=0.29</c> is relu(0.29/2 − y·f).
    /// </summary>
    public double MinMargin { get; init; } = 0.145;

    /// <summary>Every problem with the values, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonProblems();
        if (Samples < 2) errors.Add($"--samples must be at least 2, got {Samples}.");
        NonNegativeFinite(errors, "--noise", Noise);
        PositiveInteger(errors, "--batch-size", BatchSize);
        if (BatchSize > 0 && BatchSize > Samples) errors.Add($"--batch-size ({BatchSize}) is larger than the data set ({Samples} points): lower it or raise --samples.");
        NonNegativeFinite(errors, "--alpha", Alpha);
        NonNegativeFinite(errors, "--min-margin", MinMargin);
        return errors;
    }
}
