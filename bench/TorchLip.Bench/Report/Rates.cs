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

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
