using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using TorchLip.Normalizers;
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

/// <summary>
/// Training throughput on one data set, Lipschitz vs plain, then (untimed) the warm start's Björck steps per training
/// step of each SpectralLinear and the orthonormality check of the trained network.
/// </summary>
/// <param name="Data">The data set's name.</param>
/// <param name="Samples">Its size.</param>
/// <param name="WarmupSteps">Lipschitz steps before the timed rounds.</param>
/// <param name="WarmStartSteps">Per SpectralLinear, in order: mean warm-start Björck steps per training step over
/// <see cref="TrainingSuite.WarmStartSampleSteps"/> steps right after the timed rounds.</param>
internal sealed record TrainingPair(
    string Data, long Samples, int WarmupSteps, Rates Lipschitz, Rates Plain,
    IReadOnlyList<double> WarmStartSteps, IReadOnlyList<SingularValueCheck> SingularValues, double ForeignCores)
{
    /// <summary>Lipschitz / plain: the median of the paired round ratios (see <see cref="Rates.PairedRatio"/>).</summary>
    public double Ratio => Rates.PairedRatio(Lipschitz, Plain);

    /// <summary>Lipschitz / plain from each side's median round, for comparison.</summary>
    public double RatioOfMedians => Lipschitz.MedianPerSecond / Plain.MedianPerSecond;
}

/// <summary>
/// (a) training throughput: the headline on the tutorial's data, and the same pair on random labels as a stress case
/// (nothing to learn, so the weights keep moving and the warm start needs more steps).
/// </summary>
internal sealed record TrainingResult(TrainingPair Tutorial, TrainingPair RandomLabels)
{
    /// <summary>The headline: Lipschitz / plain on the tutorial's data.</summary>
    public double Ratio => Tutorial.Ratio;

    public bool SingularValuesOk => Tutorial.SingularValues.Concat(RandomLabels.SingularValues).All(s => s.Ok);
}

internal static class TrainingSuite
{
    /// <summary>Training steps over which the warm start's steps per training step are averaged.</summary>
    public const int WarmStartSampleSteps = 20;

    public static TrainingPair Run(TrainingData data, BenchPlan plan)
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
        int turns = plan.TrainingTurns;
        Interleaved.Alternating(plan.Rounds, plan.ExtraRounds, turns, TimeSpan.Zero,
            (lipschitzRates, () => { lipschitzLoop.Run(plan.LipschitzSteps / turns); return plan.LipschitzSteps / turns; }),
            (plainRates, () => { plainLoop.Run(plan.PlainSteps / turns); return plan.PlainSteps / turns; }));
        double foreign = monitor.ForeignCores();
        var warmSteps = WarmStartSteps(lipschitzLoop, lipschitz, WarmStartSampleSteps);
        return new TrainingPair(data.Name, data.Count, plan.LipschitzWarmup, lipschitzRates, plainRates,
            warmSteps, CheckSingularValues(lipschitz), foreign);
    }

    /// <summary>
    /// Runs <paramref name="steps"/> more training steps and returns, per SpectralLinear, the mean number of
    /// warm-start Björck steps each training step took. Before each step the layer's orthonormalization is repeated
    /// without gradient from its current weight and preconditioner (a copy): exactly what the step's forward runs.
    /// </summary>
    public static double[] WarmStartSteps(TrainingLoop loop, Modules.Sequential network, int steps)
    {
        var layers = Networks.SpectralLayers(network);
        var total = new double[layers.Length];
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < layers.Length; i++) total[i] += WarmStartIterations(layers[i]);
            loop.Step();
        }
        return total.Select(t => t / steps).ToArray();
    }

    /// <summary>The warm-start Björck steps the layer's next train-mode forward takes (its state is left unchanged).</summary>
    public static int WarmStartIterations(Modules.SpectralLinear layer)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return WarmBjorck.Orthonormalize(layer.raw_weight, layer.preconditioner_matrix.clone(), layer.beta_bjorck, layer.niter_bjorck).Iterations;
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
