using System.Globalization;

namespace TorchLip.Bench.Report;

/// <summary>Invariant-culture number formatting for the table.</summary>
internal static class Format
{
    public static string N(double x, string format) => double.IsNaN(x) ? "n/a" : x.ToString(format, CultureInfo.InvariantCulture);

    public static string N(double? x, string format) => x is double v ? N(v, format) : "null";

    public static string Percent(double x) => N(100 * x, "0") + "%";

    public static string Loads(double[] l) => $"{N(l[0], "0.00")} {N(l[1], "0.00")} {N(l[2], "0.00")}";
}
