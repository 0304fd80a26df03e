using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Workloads;
using TorchSharp;

namespace TorchLip.Bench.Suites;

/// <summary>
/// Per layer: the warm start's Björck steps, how many Björck steps the classic chain (from W/σ̂) really needs, and
/// what alternatives to the classic chain's Björck would cost.
/// </summary>
internal sealed record LayerCandidate(
    string Layer, int WarmAtStart, int WarmNow, int NeededAtStart, int NeededNow, int StepsAtEps1e3, int StepsAtEps1e4, double DeviationAt15,
    double Bjorck15Ms, double BjorckNeededMs, double EighMs, double EighDeviation, double EighGradErrorAtInit, double EighGradErrorNow);

/// <summary>A SpectralLinear configuration that needs no library change, measured end to end.</summary>
internal sealed record TrainingVariant(string Name, double StepMs, double MaxDeviation, double ForeignCores);

internal static class ConstraintCandidates
{
    /// <summary>
    /// <paramref name="warmAtStart"/>, <paramref name="neededAtStart"/>: warm-start steps and classic Björck steps
    /// needed per layer, measured earlier in the training; the probes see the network as it is now.
    /// </summary>
    public static List<LayerCandidate> Measure(IReadOnlyList<LayerProbe> probes, IReadOnlyList<int> warmAtStart, IReadOnlyList<int> neededAtStart, TimeSpan budget)
    {
        using var fresh = Networks.Lipschitz(seed: 1);
        var freshProbes = Networks.SpectralLayers(fresh).Select((l, i) => new LayerProbe(l, TrainingLoop.BatchSize, i > 0)).ToList();
        var list = new List<LayerCandidate>();
        for (int i = 0; i < probes.Count; i++)
        {
            var p = probes[i];
            p.RefreshSpectralEstimate();   // the weights moved since the probe was made
            int needed = p.BjorckIterationsFor(SingularValueCheck.Tolerance);
            double at15, eighDev;
            using (var scope = torch.NewDisposeScope())
            {
                at15 = LayerProbe.Deviation(p.Bjorck(15));
                eighDev = LayerProbe.Deviation(p.PolarByEigh());
            }
            int k = needed == 0 ? 15 : needed;
            list.Add(new LayerCandidate(p.Name, warmAtStart[i], p.WarmIterations(), neededAtStart[i], needed, p.BjorckIterations(1e-3), p.BjorckIterations(1e-4), at15,
                Timing.MedianMs(() => p.BjorckBackward(15), budget),
                Timing.MedianMs(() => p.BjorckBackward(k), budget),
                Timing.MedianMs(p.PolarByEighBackward, budget), eighDev,
                freshProbes[i].PolarByEighGradientError(), p.PolarByEighGradientError()));
        }
        foreach (var p in freshProbes) p.Dispose();
        return list;
    }

    /// <summary>
    /// Lipschitz training step time and the final singular-value check: the default warm start, then the classic
    /// chain (<c>warm_start: false</c>) at each eps_bjorck setting (the warm start has none).
    /// </summary>
    public static List<TrainingVariant> Variants(TrainingData data, int trainSteps, TimeSpan budget)
    {
        var list = new List<TrainingVariant>();
        var configurations = new (string name, bool warm, double? eps)[]
        {
            ("warm start (default)", true, null),
            ("classic chain, eps_bjorck = null (15 steps)", false, null),
            ("classic chain, eps_bjorck = 1e-3", false, 1e-3),
            ("classic chain, eps_bjorck = 1e-4", false, 1e-4),
        };
        foreach (var (name, warm, eps) in configurations)
        {
            var monitor = Machine.CpuMonitor.Start();
            using var network = Networks.Lipschitz(warmStart: warm, epsBjorck: eps);
            using var loop = new TrainingLoop(network, data);
            loop.Run(trainSteps);
            double ms = Timing.MedianMs(loop.Step, budget);
            double deviation = TrainingSuite.CheckSingularValues(network).Max(s => s.MaxDeviation);
            list.Add(new TrainingVariant(name, ms, deviation, monitor.ForeignCores()));
        }
        return list;
    }

    /// <summary>Lipschitz training step time at 1 thread and at the requested count, after <paramref name="warmup"/> steps.</summary>
    public static List<(int threads, double ms)> Threads(TrainingData data, int threads, int warmup, TimeSpan budget)
    {
        var result = new List<(int, double)>();
        foreach (int n in new[] { 1, threads }.Distinct())
        {
            torch.set_num_threads(n);
            using var network = Networks.Lipschitz();
            using var loop = new TrainingLoop(network, data);
            loop.Run(warmup);
            result.Add((n, Timing.MedianMs(loop.Step, budget)));
        }
        torch.set_num_threads(threads);
        return result;
    }
}
