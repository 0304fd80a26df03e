using System;
using System.Globalization;
using System.Linq;

namespace TorchLip.Bench.Machine;

/// <summary>Parsing helpers for /proc text files.</summary>
internal static class ProcFields
{
    public static double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The kB value of a line such as <c>VmHWM:   123456 kB</c>.</summary>
    public static long KiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).First(), CultureInfo.InvariantCulture);
}
