using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;

namespace TorchLip.Bench.Suites;

/// <summary>Step cost at one first-hidden-layer width.</summary>
/// <param name="WarmupSteps">Lipschitz steps run before the rounds.</param>
/// <param name="WarmStartSteps">Per SpectralLinear, the warm-start Björck steps the next training step takes, read after the rounds.</param>
internal sealed record WidthRow(long Width, int WarmupSteps, Rates Lipschitz, Rates Plain, IReadOnlyList<int> WarmStartSteps)
{
    public double LipschitzMs => 1000 / Lipschitz.MedianPerSecond;
    public double PlainMs => 1000 / Plain.MedianPerSecond;
    public double Ratio => LipschitzMs / PlainMs;

    /// <summary>"2/1/1": the warm-start steps of each SpectralLinear, first layer first.</summary>
    public string WarmStartLabel => string.Join("/", WarmStartSteps);
}

/// <summary>(d) training-step cost against the width W of the first hidden layer (784→W→64→32→1).</summary>
internal sealed record WidthResult(IReadOnlyList<WidthRow> Rows, double ForeignCores);

internal static class WidthSuite
{
    public static readonly long[] Widths = { 128, 256, 512, 1024 };

    public static WidthResult Run(TrainingData data, BenchPlan plan)
    {
        var monitor = CpuMonitor.Start();
        var rows = new List<WidthRow>();
        foreach (long width in Widths)
        {
            using var lipschitz = Networks.Lipschitz(width);
            using var plain = Networks.Plain(width);
            using var lipschitzLoop = new TrainingLoop(lipschitz, data);
            using var plainLoop = new TrainingLoop(plain, data);
            int warmup = lipschitzLoop.RunUpTo(plan.WidthWarmup, plan.WidthWarmupLimit);
            plainLoop.Run(20);
            var lipschitzRates = new Rates();
            var plainRates = new Rates();
            Interleaved.Run(plan.WidthRounds, plan.ExtraRounds,
                (lipschitzRates, () => lipschitzLoop.RunFor(plan.WidthRound, plan.WidthMinSteps)),
                (plainRates, () => plainLoop.RunFor(plan.WidthRound, plan.WidthMinSteps)));
            var warmStart = Networks.SpectralLayers(lipschitz).Select(TrainingSuite.WarmStartIterations).ToList();
            rows.Add(new WidthRow(width, warmup, lipschitzRates, plainRates, warmStart));
        }
        return new WidthResult(rows, monitor.ForeignCores());
    }
}
