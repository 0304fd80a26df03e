using System.Collections.Generic;
using System.Linq;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the MNIST 0-vs-8 job; the defaults are the deel-torchlip tutorial's.</summary>
public sealed record Mnist08Options : JobOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/mnist08";

    /// <summary>The defaults.</summary>
    public Mnist08Options() : base(DefaultOutput)
    {
        BatchSize = 128;
        LearningRate = 1e-3;
    }

    /// <summary>The two MNIST digits to tell apart: the first is labelled +1, the second −1 (the tutorial's 0 and 8).</summary>
    public IReadOnlyList<int> Digits { get; init; } = new[] { 0, 8 };

    /// <summary>Weight of the hinge term of the HKR loss.</summary>
    public double Alpha { get; init; } = 10;

    /// <summary>Margin of the hinge term.</summary>
    public double MinMargin { get; init; } = 1;

    /// <summary>MNIST directory; null: <c>$TORCHLIP_DATA_DIR</c>, else <c>~/.cache/torchlip/mnist</c>.</summary>
    public string? DataDir { get; init; }

    /// <summary>Every problem with the values, one line each (empty when all are usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonProblems();
        if (Digits is null || Digits.Count != 2 || Digits.Any(d => d < 0 || d > 9) || Digits[0] == Digits[1])
            errors.Add($"--digits must be two different digits 0-9 separated by a comma, e.g. 0,8; got {(Digits is null ? "nothing" : string.Join(",", Digits))}.");
        PositiveInteger(errors, "--batch-size", BatchSize);
        NonNegativeFinite(errors, "--alpha", Alpha);
        NonNegativeFinite(errors, "--min-margin", MinMargin);
        DirectoryIfGiven(errors, "--data-dir", DataDir);
        return errors;
    }
}
