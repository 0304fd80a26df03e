using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Cli;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchLip.Bench.Report.Format;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>
/// The <c>profile</c> command: where one Lipschitz training step of the tutorial network spends its time, and what
/// candidate replacements for the weight constraint would cost.
/// </summary>
internal static class ProfileRun
{
    private sealed record Row(string Name, double Ms, int PerStep = 1, int Indent = 0);

    public static int Run(BenchOptions options)
    {
        TorchSetup.Apply(options.Threads);
        var budget = TimeSpan.FromSeconds(options.Quick ? 0.3 : 2.0);
        var monitor = CpuMonitor.Start();
        Console.WriteLine($"TorchLip.NET step profile, {options.Threads} thread(s); load average {Loads(MachineInfo.LoadAverage())}");

        using var data = new SyntheticMnist();
        using var network = Networks.Lipschitz();
        using var loop = new TrainingLoop(network, data);
        loop.Run(50);   // trained a little: raw weights no longer orthogonal, u and v warmed up
        var probes = Networks.SpectralLayers(network).Select(l => new LayerProbe(l)).ToList();
        var frobenius = network.layers.Select(l => l.module).OfType<Modules.FrobeniusLinear>().Single();

        var rows = new List<Row>();
        double step = Timing.MedianMs(loop.Step, budget);
        rows.Add(new Row("full Lipschitz training step (measured)", step));
        double constraints = 0;
        foreach (var p in probes)
        {
            double power = Timing.MedianMs(p.PowerIteration, budget);
            double weight = Timing.MedianMs(p.EffectiveWeightBackward, budget);
            constraints += power + weight;
            rows.Add(new Row($"{p.Name}: power iteration (3 steps, no grad)", power, 1, 1));
            rows.Add(new Row($"{p.Name}: effective weight forward+backward", weight, 1, 1));
            rows.Add(new Row("forward only", Timing.MedianMs(() => p.EffectiveWeight(), budget), 1, 2));
            rows.Add(new Row("of which: sigma upper bound (float64, 6 squarings)", Timing.MedianMs(p.SpectralBoundCheck, budget), 1, 2));
            rows.Add(new Row("of which: Bjorck 15 iterations, forward+backward", Timing.MedianMs(() => p.BjorckBackward(15), budget), 1, 2));
            rows.Add(new Row("of which: Bjorck 15 iterations, forward only", Timing.MedianMs(() => p.Bjorck(15), budget), 1, 2));
            rows.Add(new Row("of which: contraction guard (Gram residual + sync)", Timing.MedianMs(p.Guard, budget), 1, 2));
        }
        double frob = Timing.MedianMs(() => frobenius.effective_weight().sum().backward(), budget);
        constraints += frob;
        rows.Add(new Row("FrobeniusLinear 32->1: effective weight forward+backward", frob, 1, 1));
        rows.Add(new Row("all weight constraints together (sum of the above)", constraints, 1, 1));
        rows.Add(new Row("rest of the step = full - constraints (batch, matmuls, FullSort, loss, Adam)", step - constraints, 1, 1));
        rows.AddRange(RestOfStep(data, network, budget));

        var candidates = Candidates(probes, budget);
        var threads = ThreadComparison(data, options.Threads, budget);
        double foreign = monitor.ForeignCores();

        Print(rows, step, candidates, threads, foreign);
        foreach (var p in probes) p.Dispose();
        return 0;
    }

    private static IEnumerable<Row> RestOfStep(SyntheticMnist data, Modules.Sequential network, TimeSpan budget)
    {
        using (var plain = Networks.Plain())
        using (var plainLoop = new TrainingLoop(plain, data))
        {
            plainLoop.Run(20);
            yield return new Row("for comparison: plain training step, same shapes", Timing.MedianMs(plainLoop.Step, budget), 1, 1);
        }
        var labels = data.Labels.narrow(0, 0, TrainingLoop.BatchSize);
        yield return new Row("hkr_loss forward+backward on 128 outputs (includes a label check with a host sync)", Timing.MedianMs(() =>
        {
            var f = torch.randn(TrainingLoop.BatchSize, 1, requires_grad: true);
            torchlip.functional.hkr_loss(f, labels, TrainingLoop.Alpha, TrainingLoop.MinMargin).backward();
        }, budget), 1, 1);
        yield return new Row("FullSort 128x128 forward+backward", Timing.MedianMs(() =>
        {
            var x = torch.randn(TrainingLoop.BatchSize, 128, requires_grad: true);
            torchlip.functional.full_sort(x).backward(new[] { torch.ones(TrainingLoop.BatchSize, 128) });
        }, budget), 1, 1);
        using var adam = optim.Adam(network.parameters(), lr: 0);
        using (torch.no_grad())
            foreach (var p in network.parameters()) p.grad = torch.zeros_like(p).DetachFromDisposeScope();
        yield return new Row("Adam step over the Lipschitz network's parameters", Timing.MedianMs(() => adam.step(), budget), 1, 1);
        var one = torch.ones(1);
        yield return new Row("one tiny tensor op (1-element add): per-op overhead", Timing.MedianMs(() =>
        {
            for (int i = 0; i < 1000; i++) one.add(one);
        }, budget) / 1000, 1, 1);
    }

    private sealed record Candidate(string Layer, int IterationsNeeded, double DeviationAt15, double Bjorck15Ms,
        double BjorckNeededMs, double EighMs, double EighDeviation);

    /// <summary>For each layer: Björck iterations actually needed for |σ − 1| ≤ 1e-5, and the exact polar factor by eigh.</summary>
    private static List<Candidate> Candidates(List<LayerProbe> probes, TimeSpan budget)
    {
        var list = new List<Candidate>();
        foreach (var p in probes)
        {
            int needed = 0;
            using (var scope = torch.NewDisposeScope())
                for (int i = 1; i <= 15 && needed == 0; i++)
                    if (LayerProbe.Deviation(p.Bjorck(i)) <= SingularValueCheck.Tolerance) needed = i;
            double at15, eighDev;
            using (var scope = torch.NewDisposeScope())
            {
                at15 = LayerProbe.Deviation(p.Bjorck(15));
                eighDev = LayerProbe.Deviation(p.PolarByEigh());
            }
            int k = needed == 0 ? 15 : needed;
            list.Add(new Candidate(p.Name, needed, at15,
                Timing.MedianMs(() => p.BjorckBackward(15), budget),
                Timing.MedianMs(() => p.BjorckBackward(k), budget),
                Timing.MedianMs(p.PolarByEighBackward, budget), eighDev));
        }
        return list;
    }

    /// <summary>Lipschitz training steps/s at 1 thread and at the requested count.</summary>
    private static (int threads, double ms)[] ThreadComparison(SyntheticMnist data, int threads, TimeSpan budget)
    {
        var counts = new[] { 1, threads }.Distinct().ToArray();
        var result = new List<(int, double)>();
        foreach (int n in counts)
        {
            torch.set_num_threads(n);
            using var network = Networks.Lipschitz();
            using var loop = new TrainingLoop(network, data);
            loop.Run(20);
            result.Add((n, Timing.MedianMs(loop.Step, budget)));
        }
        torch.set_num_threads(threads);
        return result.ToArray();
    }

    private static void Print(List<Row> rows, double step, List<Candidate> candidates, (int threads, double ms)[] threads, double foreign)
    {
        Console.WriteLine();
        Console.WriteLine($"one Lipschitz training step of the tutorial network (784-128-64-32-1, batch 128), median ms per call   " +
                          $"[other processes: {N(foreign, "0.00")} cores{(foreign > TablePrinter.DisturbedCores ? ", DISTURBED" : "")}]");
        Console.WriteLine($"  {"component",-86}{"ms",9}{"% of step",11}");
        foreach (var r in rows)
        {
            string name = new string(' ', 2 * r.Indent) + r.Name;
            Console.WriteLine($"  {name,-86}{N(r.Ms * r.PerStep, r.Ms < 0.1 ? "0.0000" : "0.00"),9}{Percent(r.Ms * r.PerStep / step),11}");
        }
        Console.WriteLine();
        Console.WriteLine("candidates for the weight constraint (forward+backward of the effective weight, ms):");
        Console.WriteLine($"  {"layer",-28}{"Bjorck iters for 1e-5",23}{"|s-1| @15",11}{"Bjorck 15",11}{"Bjorck k",10}{"eigh polar",12}{"|s-1| eigh",12}");
        foreach (var c in candidates)
            Console.WriteLine($"  {c.Layer,-28}{(c.IterationsNeeded == 0 ? ">15" : c.IterationsNeeded.ToString(System.Globalization.CultureInfo.InvariantCulture)),23}" +
                              $"{N(c.DeviationAt15, "0.0e0"),11}{N(c.Bjorck15Ms, "0.00"),11}{N(c.BjorckNeededMs, "0.00"),10}{N(c.EighMs, "0.00"),12}{N(c.EighDeviation, "0.0e0"),12}");
        Console.WriteLine();
        Console.WriteLine("Lipschitz training step by torch thread count: " +
                          string.Join(", ", threads.Select(t => $"{t.threads} thread(s) {N(t.ms, "0.00")} ms ({N(1000 / t.ms, "0.0")} steps/s)")));
    }
}
