using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the ten-class MNIST job (convolutional 1-Lipschitz classifier, certified accuracy, attack check).</summary>
public sealed record MnistOptions : JobOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/mnist";

    /// <summary>The defaults.</summary>
    public MnistOptions() : base(DefaultOutput)
    {
        Epochs = 4;
        BatchSize = 128;
        LearningRate = 2e-3;
    }

    /// <summary>
    /// Temperature τ of the loss, cross-entropy of τ·f divided by τ (deel-torchlip's TauCrossEntropyLoss): the loss stops
    /// pushing a margin once τ·margin is a few units, so a smaller τ asks for larger margins (certificates) at some cost
    /// in clean accuracy.
    /// </summary>
    public double Tau { get; init; } = 2.0;

    /// <summary>Test images attacked by the minimal L2 attack (the first ones of the test set).</summary>
    public int AttackSamples { get; init; } = 500;

    /// <summary>PGD steps per radius of the attack.</summary>
    public int AttackSteps { get; init; } = 5;

    /// <summary>Radius updates per image of the attack.</summary>
    public int AttackRounds { get; init; } = 10;

    /// <summary>Training images used (the first ones); 0: all 60 000.</summary>
    public int TrainSamples { get; init; }

    /// <summary>Test images used (the first ones); 0: all 10 000.</summary>
    public int TestSamples { get; init; }

    /// <summary>MNIST directory; null: <c>$TORCHLIP_DATA_DIR</c>, else <c>~/.cache/torchlip/mnist</c>.</summary>
    public string? DataDir { get; init; }

    /// <summary>Every problem with the values, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonProblems();
        PositiveInteger(errors, "--batch-size", BatchSize);
        PositiveFinite(errors, "--tau", Tau);
        PositiveInteger(errors, "--attack-samples", AttackSamples);
        PositiveInteger(errors, "--attack-steps", AttackSteps);
        PositiveInteger(errors, "--attack-rounds", AttackRounds);
        if (TrainSamples < 0) errors.Add($"--train-samples must be >= 0 (0: all), got {TrainSamples}.");
        if (TestSamples < 0) errors.Add($"--test-samples must be >= 0 (0: all), got {TestSamples}.");
        DirectoryIfGiven(errors, "--data-dir", DataDir);
        return errors;
    }
}
