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
    public static void Run(int rounds, int extra, params (Rates into, Func<long> run)[] parts) =>
        Alternating(rounds, extra, 1, TimeSpan.Zero, parts);

    /// <summary>
    /// Like <see cref="Run"/>, but within a round the parts take turns chunk by chunk, at least
    /// <paramref name="turns"/> times and until <paramref name="roundTime"/> has passed, and each part's round is the
    /// sum of its chunks, the order reversed every other turn. Both sides of a comparison then see the same moments of
    /// the machine: on this kind of shared VM its speed moves by 10–20 % from one second to the next.
    /// </summary>
    public static void Alternating(int rounds, int extra, int turns, TimeSpan roundTime, params (Rates into, Func<long> chunk)[] parts)
    {
        int clean = 0;
        for (int attempt = 0; attempt < rounds + extra && clean < rounds; attempt++)
        {
            var monitor = CpuMonitor.Start();
            var round = Stopwatch.StartNew();
            var counts = new long[parts.Length];
            var seconds = new double[parts.Length];
            for (int turn = 0; turn < turns || round.Elapsed < roundTime; turn++)
                for (int k = 0; k < parts.Length; k++)
                {
                    // Every other turn runs the parts in reverse order (A B, B A, ...), so neither side always runs
                    // first, right after the other's allocations, finalizers and cache footprint.
                    int i = turn % 2 == 0 ? k : parts.Length - 1 - k;
                    long start = Stopwatch.GetTimestamp();
                    counts[i] += parts[i].chunk();
                    seconds[i] += Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            double foreign = monitor.ForeignCores();
            bool disturbed = false;
            for (int i = 0; i < parts.Length; i++)
            {
                var timed = new Timed(counts[i], seconds[i], foreign);
                parts[i].into.Add(timed);
                disturbed |= timed.Disturbed;
            }
            if (!disturbed) clean++;
        }
    }
}
