using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Globalization;

namespace TorchLip.Bench.Machine;

/// <summary>
/// Measures how much CPU <em>other</em> processes used while a section ran: the machine's busy time (/proc/stat)
/// minus this process's own CPU time and that of its reaped children (/proc/self/stat). On a 2-core machine a
/// foreign load of even half a core slows a 2-thread torch run badly, so every section reports it.
/// </summary>
internal sealed class CpuMonitor
{
    private const double TicksPerSecond = 100.0;   // USER_HZ, 100 on every Linux x86-64 kernel
    private readonly long _busy0, _own0;
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    private CpuMonitor() => (_busy0, _own0) = (MachineBusyTicks(), OwnTicks());

    public static CpuMonitor Start() => new();

    /// <summary>Average number of cores used by other processes since <see cref="Start"/> (NaN where /proc is missing).</summary>
    public double ForeignCores()
    {
        double seconds = _wall.Elapsed.TotalSeconds;
        long busy = MachineBusyTicks(), own = OwnTicks();
        if (busy < 0 || own < 0 || seconds <= 0) return double.NaN;
        return Math.Max(0, (busy - _busy0 - (own - _own0)) / TicksPerSecond / seconds);
    }

    private static long MachineBusyTicks()
    {
        if (!File.Exists("/proc/stat")) return -1;
        using var reader = new StreamReader("/proc/stat");
        var fields = (reader.ReadLine() ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user/nice]
        return fields.Take(8).Sum() - fields[3] - fields[4];
    }

    private static long OwnTicks()
    {
        if (!File.Exists("/proc/self/stat")) return -1;
        string stat = File.ReadAllText("/proc/self/stat");
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return Enumerable.Range(11, 4).Sum(k => long.Parse(f[k], CultureInfo.InvariantCulture));
    }
}
