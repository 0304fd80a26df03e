using System;
using System.Collections.Generic;
using System.Diagnostics;
using TorchLip.Bench.Report;
using TorchSharp;

namespace TorchLip.Bench.Suites;

/// <summary>Times a small piece of tensor work: a few warm-up calls, then calls until a time budget is spent.</summary>
internal static class Timing
{
    /// <summary>Median milliseconds per call of <paramref name="body"/>, each call in its own dispose scope.</summary>
    public static double MedianMs(Action body, TimeSpan budget, int minCalls = 5, int warmup = 3)
    {
        for (int i = 0; i < warmup; i++) Once(body);
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < minCalls || total.Elapsed < budget)
        {
            var watch = Stopwatch.StartNew();
            Once(body);
            times.Add(watch.Elapsed.TotalMilliseconds);
            if (times.Count % 50 == 0) GC.Collect();   // native Scalars are freed by finalizers only
        }
        return Rates.Median(times);
    }

    private static void Once(Action body)
    {
        using var scope = torch.NewDisposeScope();
        body();
    }
}
