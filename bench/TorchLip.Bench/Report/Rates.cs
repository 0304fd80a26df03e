using System;
using System.Collections.Generic;
using System.Linq;

namespace TorchLip.Bench.Report;

/// <summary>One timed run: <see cref="Count"/> units (steps, or samples) in <see cref="Seconds"/>.</summary>
internal sealed record Timed(long Count, double Seconds)
{
    public double PerSecond => Count / Seconds;
}

/// <summary>
/// Repeated timings of the same thing, interleaved with the thing it is compared to so that a burst of foreign
/// load hits both. The median round is the figure reported; the spread (max/min − 1) shows how steady it was.
/// </summary>
internal sealed class Rates
{
    private readonly List<Timed> _rounds = new();

    public IReadOnlyList<Timed> Rounds => _rounds;

    public void Add(Timed t) => _rounds.Add(t);

    public double MedianPerSecond => Median(_rounds.Select(r => r.PerSecond));

    public double Spread => _rounds.Count < 2 ? 0 : _rounds.Max(r => r.PerSecond) / _rounds.Min(r => r.PerSecond) - 1;

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    public static Timed Time(Func<long> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        long count = run();
        return new Timed(count, Math.Max(watch.Elapsed.TotalSeconds, 1e-9));
    }
}
