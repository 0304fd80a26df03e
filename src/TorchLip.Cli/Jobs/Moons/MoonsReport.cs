using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>What the two-moons job measured; serialized (snake_case) to <c>report.json</c>.</summary>
public sealed record MoonsReport
{
    /// <summary>The job's name.</summary>
    public string Job { get; init; } = "moons";

    /// <summary>The options the job ran with.</summary>
    public required MoonsOptions Options { get; init; }

    /// <summary>The absolute output directory.</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>The model, as printed.</summary>
    public string Model { get; init; } = "";

    /// <summary>Per-epoch means over the training batches.</summary>
    public IReadOnlyList<MoonsEpoch> Epochs { get; init; } = new List<MoonsEpoch>();

    /// <summary>Accuracy of the trained model (eval mode) on all points.</summary>
    public double TrainingAccuracy { get; init; }

    /// <summary>The geometric check of |f(x)| ≤ distance to the boundary on the plot's grid.</summary>
    public required ZeroLevelCertificate Certificate { get; init; }

    /// <summary>The plot's (and the check's) grid.</summary>
    public required MoonsGrid Grid { get; init; }

    /// <summary>Wall time of the job, in seconds.</summary>
    public double Seconds { get; init; }

    /// <summary>The files written, relative to the output directory.</summary>
    public IReadOnlyList<string> Files { get; init; } = new List<string>();
}

/// <summary>One epoch's means over the training batches (weighted by batch size).</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">HKR loss (this library's form: α·hinge − KR).</param>
/// <param name="Kr">KR term.</param>
/// <param name="Hinge">Hinge term.</param>
/// <param name="Acc">Accuracy.</param>
/// <param name="Seconds">Wall time of the epoch.</param>
public sealed record MoonsEpoch(int Epoch, double Loss, double Kr, double Hinge, double Acc, double Seconds);

/// <summary>A square grid over a rectangle.</summary>
/// <param name="XMin">Left edge.</param>
/// <param name="XMax">Right edge.</param>
/// <param name="YMin">Bottom edge.</param>
/// <param name="YMax">Top edge.</param>
/// <param name="Size">Points per axis.</param>
public sealed record MoonsGrid(double XMin, double XMax, double YMin, double YMax, int Size);
