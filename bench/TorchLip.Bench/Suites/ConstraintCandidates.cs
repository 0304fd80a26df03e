using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Workloads;
using TorchSharp;

namespace TorchLip.Bench.Suites;

/// <summary>Per layer: how many Björck steps the weight really needs, and what the alternatives cost.</summary>
internal sealed record LayerCandidate(
    string Layer, int NeededAtStart, int NeededNow, int StepsAtEps1e3, int StepsAtEps1e4, double DeviationAt15,
    double Bjorck15Ms, double BjorckNeededMs, double EighMs, double EighDeviation, double EighGradErrorAtInit, double EighGradErrorNow);

/// <summary>A training configuration that needs no library change (SpectralLinear's eps_bjorck), measured end to end.</summary>
internal sealed record TrainingVariant(string Name, double StepMs, double MaxDeviation, double ForeignCores);

internal static class ConstraintCandidates
{
    /// <summary>
    /// <paramref name="neededAtStart"/>: Björck steps needed per layer measured earlier in the training; the probes
    /// see the network as it is now.
    /// </summary>
    public static List<LayerCandidate> Measure(IReadOnlyList<LayerProbe> probes, IReadOnlyList<int> neededAtStart, TimeSpan budget)
    {
        using var fresh = Networks.Lipschitz(seed: 1);
        var freshProbes = Networks.SpectralLayers(fresh).Select(l => new LayerProbe(l)).ToList();
        var list = new List<LayerCandidate>();
        for (int i = 0; i < probes.Count; i++)
        {
            var p = probes[i];
            int needed = p.BjorckIterationsFor(SingularValueCheck.Tolerance);
            double at15, eighDev;
            using (var scope = torch.NewDisposeScope())
            {
                at15 = LayerProbe.Deviation(p.Bjorck(15));
                eighDev = LayerProbe.Deviation(p.PolarByEigh());
            }
            int k = needed == 0 ? 15 : needed;
            list.Add(new LayerCandidate(p.Name, neededAtStart[i], needed, p.BjorckIterations(1e-3), p.BjorckIterations(1e-4), at15,
                Timing.MedianMs(() => p.BjorckBackward(15), budget),
                Timing.MedianMs(() => p.BjorckBackward(k), budget),
                Timing.MedianMs(p.PolarByEighBackward, budget), eighDev,
                freshProbes[i].PolarByEighGradientError(), p.PolarByEighGradientError()));
        }
        foreach (var p in freshProbes) p.Dispose();
        return list;
    }

    /// <summary>Lipschitz training step time and the final singular-value check for each eps_bjorck setting.</summary>
    public static List<TrainingVariant> EpsVariants(SyntheticMnist data, int trainSteps, TimeSpan budget)
    {
        var list = new List<TrainingVariant>();
        foreach (double? eps in new double?[] { null, 1e-3, 1e-4 })
        {
            var monitor = Machine.CpuMonitor.Start();
            using var network = Networks.Lipschitz(epsBjorck: eps);
            using var loop = new TrainingLoop(network, data);
            loop.Run(trainSteps);
            double ms = Timing.MedianMs(loop.Step, budget);
            double deviation = TrainingSuite.CheckSingularValues(network).Max(s => s.MaxDeviation);
            list.Add(new TrainingVariant(eps is double e ? "eps_bjorck = " + Report.Format.N(e, "0e0") : "eps_bjorck = null (15 steps, default)", ms, deviation, monitor.ForeignCores()));
        }
        return list;
    }

    /// <summary>Lipschitz training step time at 1 thread and at the requested count.</summary>
    public static List<(int threads, double ms)> Threads(SyntheticMnist data, int threads, TimeSpan budget)
    {
        var result = new List<(int, double)>();
        foreach (int n in new[] { 1, threads }.Distinct())
        {
            torch.set_num_threads(n);
            using var network = Networks.Lipschitz();
            using var loop = new TrainingLoop(network, data);
            loop.Run(20);
            result.Add((n, Timing.MedianMs(loop.Step, budget)));
        }
        torch.set_num_threads(threads);
        return result;
    }
}
