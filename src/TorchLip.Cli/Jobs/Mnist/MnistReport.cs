using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>What the ten-class MNIST job measured; serialized (snake_case) to <c>report.json</c>.</summary>
public sealed record MnistReport
{
    /// <summary>The job's name.</summary>
    public string Job { get; init; } = "mnist";

    /// <summary>The options the job ran with.</summary>
    public required MnistOptions Options { get; init; }

    /// <summary>The absolute output directory.</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>Training images.</summary>
    public int TrainSize { get; init; }

    /// <summary>Test images.</summary>
    public int TestSize { get; init; }

    /// <summary>The model, as printed.</summary>
    public string Model { get; init; } = "";

    /// <summary>The loss, in words.</summary>
    public string Loss { get; init; } = "";

    /// <summary>Per-epoch figures: training loss and accuracy, validation loss, accuracy, certified accuracies, mean certificate.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> Epochs { get; init; } = new List<IReadOnlyDictionary<string, double>>();

    /// <summary>Accuracy on the test set.</summary>
    public double CleanAccuracy { get; init; }

    /// <summary>Certified robust accuracy on the test set by L2 radius ("0.5", "1", "1.58", "2").</summary>
    public required IReadOnlyDictionary<string, double> CertifiedAccuracy { get; init; }

    /// <summary>Mean certified radius of the predicted class on the test set.</summary>
    public double MeanCertificate { get; init; }

    /// <summary>The minimal L2 attack on the first test images, against their certificates.</summary>
    public required AttackReport Attack { get; init; }

    /// <summary>Empirical lower bounds of the Lipschitz constant (on the attacked images).</summary>
    public required LipschitzReport Lipschitz { get; init; }

    /// <summary>The certified upper bound of the model's Lipschitz constant (<c>torchlip.lipschitz_upper_bound</c>).</summary>
    public double LipschitzUpperBound { get; init; }

    /// <summary>
    /// The Lipschitz bound computed from the weights the model applies: <c>torchlip.certify_model</c> of its
    /// <c>vanilla_export()</c>, the product of float64 certificates of each layer (at most <see cref="LipschitzUpperBound"/>,
    /// which allows each constrained layer 1 + 1e-5).
    /// </summary>
    public double ComputedUpperBound { get; init; }

    /// <summary>The checkpoint's file name (TorchSharp format), relative to the output directory.</summary>
    public string Checkpoint { get; init; } = "";

    /// <summary>Wall time of each phase, in seconds.</summary>
    public required PhaseTimings Timings { get; init; }

    /// <summary>The files written, relative to the output directory.</summary>
    public IReadOnlyList<string> Files { get; init; } = new List<string>();
}
