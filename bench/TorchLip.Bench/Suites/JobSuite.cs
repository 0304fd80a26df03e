using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Bench.Machine;

namespace TorchLip.Bench.Suites;

/// <summary>(c) the whole tutorial job (<c>torchlip mnist08</c>) as a child process.</summary>
/// <param name="Status">"ran", "skipped" or "failed".</param>
/// <param name="Message">Why it was skipped or failed, or how it ran.</param>
/// <param name="CliPath">The torchlip.dll used (or looked for).</param>
/// <param name="Arguments">The command line after <c>dotnet</c>.</param>
/// <param name="WallSeconds">Wall time from start to exit.</param>
/// <param name="PeakRssMiB">Peak resident memory of the child.</param>
/// <param name="PeakRssSource">How the peak was measured.</param>
/// <param name="RssGrowth">rss(epoch 10)/rss(epoch 2) − 1 from the child's report.json, when it records per-epoch RSS.</param>
/// <param name="RssGrowthNote">Why <paramref name="RssGrowth"/> is null, or which key it came from.</param>
/// <param name="Epochs">Epochs reported by the job.</param>
/// <param name="ForeignCores">Cores used by other processes meanwhile.</param>
internal sealed record JobResult(
    string Status, string Message, string CliPath, string Arguments,
    double? WallSeconds, double? PeakRssMiB, string? PeakRssSource,
    double? RssGrowth, string RssGrowthNote, int? Epochs, double ForeignCores)
{
    /// <summary>Every run's result when the job ran several times (this one is the run of median wall time).</summary>
    public IReadOnlyList<JobResult> Runs { get; init; } = Array.Empty<JobResult>();

    /// <summary>The highest peak RSS over <see cref="Runs"/> (or this run's).</summary>
    public double? MaxPeakRssMiB => Runs.Count == 0 ? PeakRssMiB : Runs.Max(r => r.PeakRssMiB);

    /// <summary>The RSS growth of largest magnitude over <see cref="Runs"/> (or this run's).</summary>
    public double? WorstRssGrowth => Runs.Count == 0 ? RssGrowth : Runs.Select(r => r.RssGrowth).MaxBy(g => g is double v ? Math.Abs(v) : double.NegativeInfinity);
}

internal static class JobSuite
{
    public const string DefaultCliDirectory = "src/TorchLip.Cli/bin/Release/net10.0/linux-x64";

    /// <summary>
    /// The CLI's assembly names, in the order looked for: the tool is called torchlip, but its assembly may be named
    /// TorchLip.Cli.dll (a torchlip.dll would clash, case-insensitively, with the library's TorchLip.dll beside it).
    /// </summary>
    public static readonly string[] CliAssemblyNames = { "torchlip.dll", "TorchLip.Cli.dll" };

    /// <summary>
    /// Runs the job <see cref="BenchPlan.JobRuns"/> times and returns the run of median wall time, with every run
    /// attached; stops at the first run that was skipped or failed and returns that one.
    /// </summary>
    public static JobResult RunRepeated(string? cliPath, int threads, BenchPlan plan)
    {
        var runs = new List<JobResult>();
        for (int i = 0; i < Math.Max(1, plan.JobRuns); i++)
        {
            var run = Run(cliPath, threads, plan);
            if (run.Status != "ran") return run with { Runs = runs.Append(run).ToArray() };
            runs.Add(run);
        }
        var median = runs.OrderBy(r => r.WallSeconds).ElementAt(runs.Count / 2);
        return median with { Runs = runs.ToArray() };
    }

    public static JobResult Run(string? cliPath, int threads, BenchPlan plan)
    {
        string? path = cliPath ?? DefaultCli();
        if (path is null || !File.Exists(path))
        {
            string why = cliPath is null
                ? $"skipped: the torchlip CLI was not found ({string.Join(" or ", CliAssemblyNames)} in {DefaultCliDirectory} under the repository root). " +
                  "Build it (dotnet build src/TorchLip.Cli -c Release) or pass --cli PATH_TO_torchlip.dll."
                : $"skipped: --cli {path} does not exist.";
            path ??= Path.Combine(DefaultCliDirectory, CliAssemblyNames[0]);
            return new JobResult("skipped", why, path, "", null, null, null, null, "job not run", null, double.NaN);
        }

        string output = Path.Combine(Path.GetTempPath(), "torchlip-bench-job-" + Guid.NewGuid().ToString("N"));
        var args = new List<string> { Path.GetFullPath(path), "mnist08", "--output", output, "--threads", threads.ToString(CultureInfo.InvariantCulture) };
        if (plan.JobEpochs is int e) args.AddRange(new[] { "--epochs", e.ToString(CultureInfo.InvariantCulture) });
        string commandLine = string.Join(' ', args);
        try
        {
            var monitor = CpuMonitor.Start();
            var run = ChildProcessRun.Run("dotnet", args);
            double foreign = monitor.ForeignCores();
            if (run.ExitCode != 0)
                return new JobResult("failed", $"failed: exit code {run.ExitCode}; last output:\n{run.OutputTail}", path, commandLine,
                    run.WallSeconds, run.PeakRssMiB, run.PeakRssSource, null, "job failed", null, foreign);
            var (growth, note, epochs) = ReadRssGrowth(Path.Combine(output, "report.json"));
            return new JobResult("ran", "ok", path, commandLine, run.WallSeconds, run.PeakRssMiB, run.PeakRssSource, growth, note, epochs, foreign);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    private static string? DefaultCli()
    {
        string dir = Path.Combine(RepositoryRoot.Find() ?? ".", DefaultCliDirectory);
        return CliAssemblyNames.Select(name => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// rss(epoch 10)/rss(epoch 2) − 1 from <c>epochs[i].&lt;key containing "rss"&gt;</c> (e.g. <c>rss_mb</c>), with
    /// epoch numbers from <c>epochs[i].epoch</c> when present, else position + 1.
    /// </summary>
    private static (double? growth, string note, int? epochs) ReadRssGrowth(string reportPath)
    {
        if (!File.Exists(reportPath)) return (null, "the job wrote no report.json", null);
        using var doc = JsonDocument.Parse(File.ReadAllText(reportPath));
        if (!doc.RootElement.TryGetProperty("epochs", out var epochs) || epochs.ValueKind != JsonValueKind.Array)
            return (null, "report.json has no epochs array", null);
        var rss = new Dictionary<int, double>();
        string? key = null;
        int position = 0;
        foreach (var epoch in epochs.EnumerateArray())
        {
            position++;
            if (epoch.ValueKind != JsonValueKind.Object) continue;
            int number = epoch.TryGetProperty("epoch", out var n) && n.TryGetInt32(out int k) ? k : position;
            var prop = epoch.EnumerateObject()
                .Where(p => p.Name.Contains("rss", StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.Number)
                .OrderBy(p => p.Name == "rss_mb" ? 0 : 1)
                .Select(p => (JsonProperty?)p).FirstOrDefault();
            if (prop is JsonProperty p)
            {
                key = p.Name;
                rss[number] = p.Value.GetDouble();
            }
        }
        int count = epochs.GetArrayLength();
        if (key is null) return (null, "report.json records no per-epoch RSS (no epochs[i].rss_mb)", count);
        if (!rss.TryGetValue(2, out double at2) || !rss.TryGetValue(10, out double at10))
            return (null, $"report.json has epochs[i].{key} but not for both epochs 2 and 10 ({count} epochs)", count);
        return (at10 / at2 - 1, $"from epochs[i].{key}", count);
    }
}
