using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchLip.Bench.Cli;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using static TorchLip.Bench.Report.Format;

namespace TorchLip.Bench.Suites;

/// <summary>
/// The <c>profile</c> command: where one Lipschitz training step of the tutorial network on the tutorial's data spends
/// its time with the default warm start, how many Björck steps the weights need (warm start, and the classic chain
/// from W/σ̂), and what candidate replacements for the classic chain's Björck would cost.
/// </summary>
internal static class ProfileRun
{
    /// <summary>Ten epochs of the tutorial at batch 128: 11 774 / 128 = 91 whole batches each.</summary>
    private const int TutorialSteps = 910;

    public static int Run(BenchOptions options)
    {
        TorchSetup.Apply(options.Threads);
        var budget = TimeSpan.FromSeconds(options.Quick ? 0.3 : 2.0);
        var monitor = CpuMonitor.Start();
        Console.WriteLine($"TorchLip.NET step profile, {options.Threads} thread(s){(options.Quick ? ", --quick" : "")}; load average {Loads(MachineInfo.LoadAverage())}");

        Console.WriteLine("loading the tutorial's data (MNIST 0 vs 8, training split) ...");
        using var data = TrainingData.Tutorial();
        using var network = Networks.Lipschitz();
        using var loop = new TrainingLoop(network, data);
        loop.Run(BenchPlan.TutorialEpochSteps);   // one epoch: past the warm start's early transient
        int early = (int)loop.Steps;
        var probes = Networks.SpectralLayers(network).Select((l, i) => new LayerProbe(l, TrainingLoop.BatchSize, inputRequiresGrad: i > 0)).ToList();
        var warmEarly = probes.Select(p => p.WarmIterations()).ToList();
        var neededEarly = probes.Select(p => p.BjorckIterationsFor(SingularValueCheck.Tolerance)).ToList();

        Console.WriteLine("step breakdown ...");
        var rows = StepBreakdown.Measure(loop, network, probes, warmEarly, data, budget);
        double breakdownForeign = monitor.ForeignCores();
        var warmAfter = probes.Select(p => p.WarmIterations()).ToList();
        long afterBreakdown = loop.Steps;
        Console.WriteLine($"training on to the tutorial's length ({TutorialSteps} steps; {loop.Steps} so far), then the candidates ...");
        if (!options.Quick) while (loop.Steps < TutorialSteps) loop.Step();
        int now = (int)loop.Steps;
        var candidates = ConstraintCandidates.Measure(probes, warmEarly, neededEarly, budget);
        Console.WriteLine("SpectralLinear settings and thread counts ...");
        var variants = ConstraintCandidates.Variants(data, options.Quick ? 20 : 300, budget);
        var threads = ConstraintCandidates.Threads(data, options.Threads, options.Quick ? 20 : BenchPlan.TutorialEpochSteps, budget);

        PrintBreakdown(rows, breakdownForeign, early, warmEarly, afterBreakdown, warmAfter);
        PrintCandidates(candidates, early, now);
        Console.WriteLine();
        Console.WriteLine($"SpectralLinear settings available today on {data.Name}, whole training step (median ms) and max |s-1| after training:");
        foreach (var v in variants)
            Console.WriteLine($"  {v.Name,-48}{N(v.StepMs, "0.00"),9} ms  ({N(1000 / v.StepMs, "0.0")} steps/s)   max|s-1| {N(v.MaxDeviation, "0.0e0")}  {TablePrinter.Foreign(v.ForeignCores)}");
        Console.WriteLine();
        Console.WriteLine("Lipschitz training step (warm start) by torch thread count: " +
                          string.Join(", ", threads.Select(t => $"{t.threads} thread(s) {N(t.ms, "0.00")} ms ({N(1000 / t.ms, "0.0")} steps/s)")));
        Console.WriteLine($"other processes over the whole profile: {N(monitor.ForeignCores(), "0.00")} cores");
        foreach (var p in probes) p.Dispose();
        return 0;
    }

    private static void PrintBreakdown(List<ProfileRow> rows, double foreign, int early, IReadOnlyList<int> warmEarly, long after, IReadOnlyList<int> warmAfter)
    {
        double step = rows[0].Ms;
        Console.WriteLine();
        Console.WriteLine($"one Lipschitz training step of the tutorial network (784-128-64-32-1, batch 128, MNIST 0 vs 8), median ms per call   {TablePrinter.Foreign(foreign)}");
        Console.WriteLine($"  SpectralLinear warm start (the default): Bjorck steps per layer {string.Join("/", warmEarly)} after {early} training steps, " +
                          $"{string.Join("/", warmAfter)} after {after} (the breakdown trains on as it times the full step)");
        Console.WriteLine($"  {"component",-110}{"ms",9}{"% of step",11}");
        foreach (var r in rows)
        {
            string name = new string(' ', 2 * r.Indent) + r.Name;
            Console.WriteLine($"  {name,-110}{N(r.Ms, r.Ms < 0.1 ? "0.0000" : "0.00"),9}{Percent(r.Ms / step),11}");
        }
    }

    private static void PrintCandidates(List<LayerCandidate> candidates, int early, int now)
    {
        Console.WriteLine();
        Console.WriteLine($"Bjorck steps per layer after {early} and {now} training steps: the warm start's (warm@), and the classic chain's from W/sigma");
        Console.WriteLine($"(sigma from {LayerProbe.RefreshIterations} fresh power iterations) needed for every |s-1| <= 1e-5 (need@), steps an early stop would take (eps), and");
        Console.WriteLine("forward+backward cost (ms) of: classic Bjorck 15 steps | Bjorck with just the steps needed | exact polar factor via float64 eigh,\n" +
                          "and how far autograd-through-eigh's gradient is from Bjorck's (relative), on a fresh layer and on the trained one");
        Console.WriteLine($"  {"layer",-26}{"warm@" + early,10}{"warm@" + now,10}{"need@" + early,10}{"need@" + now,10}{"eps1e-3",9}{"eps1e-4",9}{"|s-1|@15",10}{"Bj15 ms",9}{"Bj-k ms",9}{"eigh ms",9}{"|s-1|eigh",11}{"eigh grad rel.err init/now",28}");
        foreach (var c in candidates)
            Console.WriteLine($"  {c.Layer,-26}{c.WarmAtStart,10}{c.WarmNow,10}{Steps(c.NeededAtStart),10}{Steps(c.NeededNow),10}{c.StepsAtEps1e3,9}{c.StepsAtEps1e4,9}{N(c.DeviationAt15, "0.0e0"),10}" +
                              $"{N(c.Bjorck15Ms, "0.00"),9}{N(c.BjorckNeededMs, "0.00"),9}{N(c.EighMs, "0.00"),9}{N(c.EighDeviation, "0.0e0"),11}" +
                              $"{N(c.EighGradErrorAtInit, "0.0e0") + " / " + N(c.EighGradErrorNow, "0.0e0"),28}");
    }

    private static string Steps(int n) => n == 0 ? ">15" : n.ToString(CultureInfo.InvariantCulture);
}
