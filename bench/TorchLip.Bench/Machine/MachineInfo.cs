using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace TorchLip.Bench.Machine;

/// <summary>What the numbers were measured on.</summary>
internal sealed record MachineInfo(int Cores, string CpuModel, double MemoryGiB, string Os, string Runtime, string TorchSharp)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ReadCpuModel(),
        ReadMemoryGiB(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?");

    private static string ReadCpuModel() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is string line
            ? line[(line.IndexOf(':') + 1)..].Trim()
            : "unknown";

    private static double ReadMemoryGiB() =>
        ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is string line
            ? ProcFields.KiB(line) / (1024.0 * 1024.0)
            : double.NaN;

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : Array.Empty<string>();

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg (what <c>uptime</c> prints).</summary>
    public static double[] LoadAverage()
    {
        if (!File.Exists("/proc/loadavg")) return new[] { double.NaN, double.NaN, double.NaN };
        return File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(ProcFields.Number).ToArray();
    }
}
