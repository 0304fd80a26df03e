using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>Every singular value of one SpectralLinear's eval-mode effective weight.</summary>
internal sealed record SingularValueCheck(string Layer, double MinSigma, double MaxSigma)
{
    public const double Tolerance = 1e-5;
    public double MaxDeviation => Math.Max(Math.Abs(MaxSigma - 1), Math.Abs(MinSigma - 1));
    public bool Ok => MaxDeviation <= Tolerance;
}

/// <summary>(a) training throughput, Lipschitz vs plain, and the orthonormality check after training.</summary>
internal sealed record TrainingResult(Rates Lipschitz, Rates Plain, IReadOnlyList<SingularValueCheck> SingularValues, double ForeignCores)
{
    public double Ratio => Lipschitz.MedianPerSecond / Plain.MedianPerSecond;
}

internal static class TrainingSuite
{
    public static TrainingResult Run(SyntheticMnist data, BenchPlan plan)
    {
        var monitor = CpuMonitor.Start();
        using var lipschitz = Networks.Lipschitz();
        using var plain = Networks.Plain();
        using var lipschitzLoop = new TrainingLoop(lipschitz, data);
        using var plainLoop = new TrainingLoop(plain, data);
        lipschitzLoop.Run(plan.LipschitzWarmup);
        plainLoop.Run(plan.PlainWarmup);

        var lipschitzRates = new Rates();
        var plainRates = new Rates();
        Interleaved.Run(plan.Rounds, plan.ExtraRounds,
            (lipschitzRates, () => { lipschitzLoop.Run(plan.LipschitzSteps); return plan.LipschitzSteps; }),
            (plainRates, () => { plainLoop.Run(plan.PlainSteps); return plan.PlainSteps; }));
        double foreign = monitor.ForeignCores();
        return new TrainingResult(lipschitzRates, plainRates, CheckSingularValues(lipschitz), foreign);
    }

    /// <summary>Singular values of every SpectralLinear's effective weight, in eval mode, computed in float64.</summary>
    public static IReadOnlyList<SingularValueCheck> CheckSingularValues(Modules.Sequential network)
    {
        network.eval();
        try
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            return network.layers
                .Where(l => l.module is Modules.SpectralLinear)
                .Select(l =>
                {
                    // effective_weight() returns the eval cache: read it, never dispose it.
                    var sv = linalg.svdvals(((Modules.SpectralLinear)l.module).effective_weight().to_type(ScalarType.Float64));
                    return new SingularValueCheck($"{l.name}: {l.module}", sv.min().item<double>(), sv.max().item<double>());
                })
                .ToList();
        }
        finally
        {
            network.train();
        }
    }
}
