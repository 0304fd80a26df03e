using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>What the Wasserstein toy job measured; serialized (snake_case) to <c>report.json</c>.</summary>
public sealed record WassersteinToyReport
{
    /// <summary>The job's name.</summary>
    public string Job { get; init; } = "wasserstein-toy";

    /// <summary>The options the job ran with.</summary>
    public required WassersteinToyOptions Options { get; init; }

    /// <summary>The absolute output directory.</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>The exact Wasserstein-1 distance between the two image distributions.</summary>
    public double TrueWasserstein1 { get; init; }

    /// <summary>The model, as printed.</summary>
    public string Model { get; init; } = "";

    /// <summary>Per-epoch means.</summary>
    public IReadOnlyList<WassersteinToyEpoch> Epochs { get; init; } = new List<WassersteinToyEpoch>();

    /// <summary>The KR estimate of every training step's batch, in order.</summary>
    public IReadOnlyList<double> StepEstimates { get; init; } = new List<double>();

    /// <summary>The last epoch's mean estimate (the notebook's figure: 34.995).</summary>
    public double FinalEstimate { get; init; }

    /// <summary>The trained model's estimate in eval mode on the exact images.</summary>
    public double EvalEstimate { get; init; }

    /// <summary>Wall time of the job, in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>The files written, relative to the output directory.</summary>
    public IReadOnlyList<string> Files { get; init; } = new List<string>();
}

/// <summary>One epoch's means.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean loss (−KR).</param>
/// <param name="Kr">Mean KR estimate.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record WassersteinToyEpoch(int Epoch, double Loss, double Kr, double Seconds);
