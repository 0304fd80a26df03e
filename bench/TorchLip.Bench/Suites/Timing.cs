using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using TorchLip.Bench.Report;
using TorchSharp;

namespace TorchLip.Bench.Suites;

/// <summary>Times small pieces of tensor work, each call in its own dispose scope.</summary>
internal static class Timing
{
    /// <summary>Median milliseconds per call of <paramref name="body"/>: a few warm-up calls, then calls until <paramref name="budget"/> is spent.</summary>
    public static double MedianMs(Action body, TimeSpan budget, int minCalls = 5, int warmup = 3) =>
        Interleaved(new[] { body }, budget, minCalls, warmup)[0];

    /// <summary>
    /// Median milliseconds per call of each body, measured round-robin (one call of each per round) so that slow
    /// phases of the machine hit every body alike and the figures can be compared and added up. Runs until
    /// <paramref name="budgetEach"/> × the number of bodies is spent.
    /// </summary>
    public static double[] Interleaved(IReadOnlyList<Action> bodies, TimeSpan budgetEach, int minRounds = 5, int warmup = 3)
    {
        for (int i = 0; i < warmup; i++) foreach (var body in bodies) Once(body);
        var times = bodies.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        var budget = budgetEach * bodies.Count;
        for (int round = 0; round < minRounds || total.Elapsed < budget; round++)
        {
            for (int k = 0; k < bodies.Count; k++)
            {
                var watch = Stopwatch.StartNew();
                Once(bodies[k]);
                times[k].Add(watch.Elapsed.TotalMilliseconds);
            }
            if (round % 50 == 49) GC.Collect();   // native Scalars are freed by finalizers only
        }
        return times.Select(Rates.Median).ToArray();
    }

    private static void Once(Action body)
    {
        using var scope = torch.NewDisposeScope();
        body();
    }
}
