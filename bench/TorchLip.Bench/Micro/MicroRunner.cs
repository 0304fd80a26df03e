using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchLip.Bench.Cli;

namespace TorchLip.Bench.Micro;

/// <summary>
/// The <c>micro</c> command: BenchmarkDotNet over <see cref="BuildingBlockBenchmarks"/>. The benchmarks run in this
/// process (in-process emit toolchain): an out-of-process run would build a second copy of the project with its
/// 480 MB of libtorch natives. Arguments other than <c>--threads N</c> and <c>--job default|short|medium|long|dry</c>
/// go to BenchmarkDotNet unchanged (e.g. <c>--filter *Bjorck*</c>).
/// </summary>
internal static class MicroRunner
{
    /// <summary>Torch threads for the benchmarks (<c>--threads N</c>; default 2).</summary>
    public static int Threads { get; private set; } = BenchOptions.DefaultThreads;

    private static readonly Dictionary<string, Job> Jobs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["default"] = Job.Default, ["short"] = Job.ShortRun, ["medium"] = Job.MediumRun, ["long"] = Job.LongRun, ["dry"] = Job.Dry,
    };

    public static int Run(IReadOnlyList<string> args)
    {
        var rest = new List<string>(args);
        string? threads = Take(rest, "--threads");
        if (threads is not null)
        {
            if (!int.TryParse(threads, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                return Fail($"--threads needs a positive integer, got '{threads}'.");
            Threads = n;
        }
        string jobName = Take(rest, "--job") ?? "default";
        if (!Jobs.TryGetValue(jobName, out var job)) return Fail($"--job must be one of {string.Join(", ", Jobs.Keys)}, got '{jobName}'.");
        // Without a filter BenchmarkSwitcher asks interactively which benchmarks to run.
        if (!rest.Contains("--filter")) rest.AddRange(new[] { "--filter", "*" });

        Warnings.Handler = null;
        // The in-process executor aborts a benchmark after its timeout; a loaded 2-core machine can need far more than the default.
        var toolchain = new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true);
        var config = DefaultConfig.Instance.AddJob(job.WithToolchain(toolchain).AsDefault());
        var summaries = BenchmarkSwitcher.FromTypes(new[] { typeof(BuildingBlockBenchmarks) }).Run(rest.ToArray(), config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>Removes <c>name value</c> from <paramref name="args"/> and returns the value (null when absent).</summary>
    private static string? Take(List<string> args, string name)
    {
        int at = args.IndexOf(name);
        if (at < 0) return null;
        string value = at + 1 < args.Count ? args[at + 1] : "";
        args.RemoveRange(at, Math.Min(2, args.Count - at));
        return value;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 2;
    }
}
