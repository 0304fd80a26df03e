using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>Settings of the Fashion-MNIST job (the docs' Example 4: HKR multiclass and fooling).</summary>
public sealed record FashionMnistOptions : JobOptions
{
    /// <summary>Default of <see cref="Output"/>.</summary>
    public const string DefaultOutput = "runs/fashion-mnist";

    /// <summary>Default of <see cref="AttackSamples"/>: the first 1000 test images (0 attacks them all).</summary>
    /// <remarks>
    /// Measured on the shared two-core machine (one thread, 5 steps × 10 rounds): 50 images in about 1 s; but the
    /// attack runs on all its images at once, and on the whole test set (10 000) it held 14 GB of memory and had not
    /// finished after 5 minutes, so the default stays at 1000.
    /// </remarks>
    public const int DefaultAttackSamples = 1000;

    /// <summary>The defaults (the notebook's: Adam 1e-3, batch 100, 15 epochs).</summary>
    public FashionMnistOptions() : base(DefaultOutput)
    {
        Epochs = 15;
        BatchSize = 100;
        LearningRate = 1e-3;
    }

    /// <summary>Weight of the hinge term of LseHKRMulticlassLoss, in [0, 1].</summary>
    public double Alpha { get; init; } = 0.9;

    /// <summary>The loss's margin.</summary>
    public double MinMargin { get; init; } = 1.0;

    /// <summary>The loss's temperature (factor on the scores of its log-sum-exp maximum).</summary>
    public double Temperature { get; init; } = 10.0;

    /// <summary>Test images attacked by the minimal L2 attack (the first ones of the test set); 0: all of them.</summary>
    public int AttackSamples { get; init; } = DefaultAttackSamples;

    /// <summary>PGD steps per radius of the attack.</summary>
    public int AttackSteps { get; init; } = 5;

    /// <summary>Radius updates per image of the attack.</summary>
    public int AttackRounds { get; init; } = 10;

    /// <summary>Images in the fooling picture (correctly classified ones that the attack flipped, the first ones).</summary>
    public int FoolingImages { get; init; } = 8;

    /// <summary>Training images used (the first ones); 0: all 60 000.</summary>
    public int TrainSamples { get; init; }

    /// <summary>Test images used (the first ones); 0: all 10 000.</summary>
    public int TestSamples { get; init; }

    /// <summary>Fashion-MNIST directory; null: <c>$TORCHLIP_FASHION_MNIST_DIR</c>, else <c>~/.cache/torchlip/fashion-mnist</c>.</summary>
    public string? DataDir { get; init; }

    /// <summary>Every problem with the values, one line each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = CommonProblems();
        PositiveInteger(errors, "--batch-size", BatchSize);
        if (!(Alpha >= 0 && Alpha <= 1)) errors.Add($"--alpha must be in [0, 1], got {Alpha}.");
        NonNegativeFinite(errors, "--min-margin", MinMargin);
        PositiveFinite(errors, "--temperature", Temperature);
        if (AttackSamples < 0) errors.Add($"--attack-samples must be >= 0 (0: the whole test set), got {AttackSamples}.");
        PositiveInteger(errors, "--attack-steps", AttackSteps);
        PositiveInteger(errors, "--attack-rounds", AttackRounds);
        if (FoolingImages < 0) errors.Add($"--fooling-images must be >= 0, got {FoolingImages}.");
        if (TrainSamples < 0) errors.Add($"--train-samples must be >= 0 (0: all), got {TrainSamples}.");
        if (TestSamples < 0) errors.Add($"--test-samples must be >= 0 (0: all), got {TestSamples}.");
        DirectoryIfGiven(errors, "--data-dir", DataDir);
        return errors;
    }
}
