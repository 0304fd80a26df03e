using System;
using System.Collections.Generic;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;

namespace TorchLip.Bench.Suites;

/// <summary>Step cost at one first-hidden-layer width.</summary>
internal sealed record WidthRow(long Width, Rates Lipschitz, Rates Plain)
{
    public double LipschitzMs => 1000 / Lipschitz.MedianPerSecond;
    public double PlainMs => 1000 / Plain.MedianPerSecond;
    public double Ratio => LipschitzMs / PlainMs;
}

/// <summary>(d) training-step cost against the width W of the first hidden layer (784→W→64→32→1).</summary>
internal sealed record WidthResult(IReadOnlyList<WidthRow> Rows, double ForeignCores);

internal static class WidthSuite
{
    public static readonly long[] Widths = { 128, 256, 512, 1024 };

    public static WidthResult Run(SyntheticMnist data, BenchPlan plan)
    {
        var monitor = CpuMonitor.Start();
        var rows = new List<WidthRow>();
        foreach (long width in Widths)
        {
            using var lipschitz = Networks.Lipschitz(width);
            using var plain = Networks.Plain(width);
            using var lipschitzLoop = new TrainingLoop(lipschitz, data);
            using var plainLoop = new TrainingLoop(plain, data);
            lipschitzLoop.Run(plan.WidthWarmup);
            plainLoop.Run(20);
            var row = new WidthRow(width, new Rates(), new Rates());
            Interleaved.Run(plan.WidthRounds, plan.ExtraRounds,
                (row.Lipschitz, () => lipschitzLoop.RunFor(plan.WidthRound, plan.WidthMinSteps)),
                (row.Plain, () => plainLoop.RunFor(plan.WidthRound, plan.WidthMinSteps)));
            rows.Add(row);
        }
        return new WidthResult(rows, monitor.ForeignCores());
    }
}
