using System.Collections.Generic;
using System.Linq;

namespace TorchLip.Bench.Report;

/// <summary>One timed run: <see cref="Count"/> units (steps, or samples) in <see cref="Seconds"/>.</summary>
/// <param name="Count">Units done.</param>
/// <param name="Seconds">Wall time.</param>
/// <param name="ForeignCores">Average cores used by other processes meanwhile.</param>
internal sealed record Timed(long Count, double Seconds, double ForeignCores)
{
    /// <summary>
    /// Foreign load (cores) above which a timing counts as disturbed: on 2 cores, half a busy core elsewhere already
    /// slows a 2-thread torch run several times.
    /// </summary>
    public const double DisturbedCores = 0.25;

    public double PerSecond => Count / System.Math.Max(Seconds, 1e-9);

    public bool Disturbed => ForeignCores > DisturbedCores;
}

/// <summary>
/// Repeated timings of the same thing, interleaved with the thing it is compared to (see <see cref="Suites.Interleaved"/>).
/// The figures use the undisturbed rounds only, or every round when all were disturbed; the median round is the
/// figure reported, the spread (max/min − 1) shows how steady it was.
/// </summary>
internal sealed class Rates
{
    private readonly List<Timed> _rounds = new();

    public IReadOnlyList<Timed> Rounds => _rounds;

    public int CleanRounds => _rounds.Count(r => !r.Disturbed);

    private IEnumerable<Timed> Used => CleanRounds > 0 ? _rounds.Where(r => !r.Disturbed) : _rounds;

    public void Add(Timed t) => _rounds.Add(t);

    public double MedianPerSecond => Median(Used.Select(r => r.PerSecond));

    public double Spread => Used.Count() < 2 ? 0 : Used.Max(r => r.PerSecond) / Used.Min(r => r.PerSecond) - 1;

    /// <summary>"clean/total" rounds, for the table.</summary>
    public string RoundsLabel => $"{CleanRounds}/{_rounds.Count}";

    /// <summary>
    /// The median over rounds of <paramref name="a"/>'s rate divided by <paramref name="b"/>'s in the same round (each
    /// pair ran back to back), over the rounds where both were undisturbed, or every round when none was. The
    /// machine's speed drifts by tens of percent within a minute; a pair shares its drift, so the paired ratio is
    /// steadier than <see cref="MedianPerSecond"/> divided by <see cref="MedianPerSecond"/> (reported beside it).
    /// </summary>
    public static double PairedRatio(Rates a, Rates b)
    {
        int n = System.Math.Min(a._rounds.Count, b._rounds.Count);
        var pairs = Enumerable.Range(0, n).Select(i => (a: a._rounds[i], b: b._rounds[i])).ToList();
        var clean = pairs.Where(p => !p.a.Disturbed && !p.b.Disturbed).ToList();
        return Median((clean.Count > 0 ? clean : pairs).Select(p => p.a.PerSecond / p.b.PerSecond));
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
