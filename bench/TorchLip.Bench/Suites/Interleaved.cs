using System;
using System.Diagnostics;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;

namespace TorchLip.Bench.Suites;

/// <summary>Rounds of side-by-side timings, repeated while other processes disturb them.</summary>
internal static class Interleaved
{
    /// <summary>
    /// Runs every part once per round, in turn, until <paramref name="rounds"/> rounds ran undisturbed or
    /// <paramref name="rounds"/> + <paramref name="extra"/> rounds ran in all. Each part returns the units it did.
    /// </summary>
    public static void Run(int rounds, int extra, params (Rates into, Func<long> run)[] parts)
    {
        int clean = 0;
        for (int attempt = 0; attempt < rounds + extra && clean < rounds; attempt++)
        {
            bool disturbed = false;
            foreach (var (into, run) in parts)
            {
                var monitor = CpuMonitor.Start();
                var watch = Stopwatch.StartNew();
                long count = run();
                var timed = new Timed(count, watch.Elapsed.TotalSeconds, monitor.ForeignCores());
                into.Add(timed);
                disturbed |= timed.Disturbed;
            }
            if (!disturbed) clean++;
        }
    }
}
