using System.Collections.Generic;
using TorchLip.Evaluation;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>Everything the MNIST 0-vs-8 job measured; serialized (snake_case) to <c>report.json</c>.</summary>
public sealed record Mnist08Report
{
    /// <summary>The job's name.</summary>
    public string Job { get; init; } = "mnist08";

    /// <summary>The options the job ran with.</summary>
    public required Mnist08Options Options { get; init; }

    /// <summary>The seed (also in <see cref="Options"/>).</summary>
    public long Seed => Options.Seed;

    /// <summary>The torch thread count (also in <see cref="Options"/>).</summary>
    public int Threads => Options.Threads;

    /// <summary>The MNIST directory used.</summary>
    public string DataDirectory { get; init; } = "";

    /// <summary>The absolute output directory.</summary>
    public string OutputDirectory { get; init; } = "";

    /// <summary>Training samples (digits 0 and 8).</summary>
    public int TrainSize { get; init; }

    /// <summary>Test samples (digits 0 and 8).</summary>
    public int TestSize { get; init; }

    /// <summary>The model, as printed.</summary>
    public string Model { get; init; } = "";

    /// <summary>Per-epoch figures.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; init; } = new List<EpochMetrics>();

    /// <summary>Empirical Lipschitz constants of the trained model.</summary>
    public required LipschitzReport Lipschitz { get; init; }

    /// <summary>Singular values of every weight matrix.</summary>
    public required SingularValuesReport SingularValues { get; init; }

    /// <summary>max |exported(x) − model(x)| over the test set, model in eval mode.</summary>
    public double ExportMaxAbsDiff { get; init; }

    /// <summary>Wall time of each phase, in seconds.</summary>
    public required PhaseTimings Timings { get; init; }

    /// <summary>The files written, relative to the output directory.</summary>
    public IReadOnlyList<string> Files { get; init; } = new List<string>();
}

/// <summary>The two empirical Lipschitz estimates (lower bounds of the true constant).</summary>
/// <param name="EpsEstimate">Largest ‖f(x+δ) − f(x)‖/‖δ‖ over random δ of norm <paramref name="Epsilon"/>.</param>
/// <param name="PairwiseEstimate">Largest ‖f(x_i) − f(x_j)‖/‖x_i − x_j‖ over pairs of test samples.</param>
/// <param name="Epsilon">Norm of the perturbations.</param>
/// <param name="Draws">Perturbations per sample.</param>
/// <param name="Samples">Test samples used by both estimates.</param>
public sealed record LipschitzReport(double EpsEstimate, double PairwiseEstimate, double Epsilon, int Draws, int Samples)
{
    /// <summary>Both estimates on <paramref name="x"/>, with the library's default ε and draws.</summary>
    /// <param name="model">The model, in eval mode.</param>
    /// <param name="x">Test samples (the pairwise estimate is quadratic in their number).</param>
    public static LipschitzReport Measure(nn.Module<Tensor, Tensor> model, Tensor x) =>
        new(LipschitzEstimates.Perturbation(model, x), LipschitzEstimates.Pairwise(model, x),
            LipschitzEstimates.DefaultEpsilon, LipschitzEstimates.DefaultDraws, (int)x.size(0));
}

/// <summary>Singular values of each weight layer, of the TorchLip model and of its plain export.</summary>
/// <param name="BeforeExport">The TorchLip model's effective weights.</param>
/// <param name="AfterExport">The exported <c>nn.Linear</c> weights.</param>
public sealed record SingularValuesReport(IReadOnlyList<LayerSingularValues> BeforeExport, IReadOnlyList<LayerSingularValues> AfterExport);
