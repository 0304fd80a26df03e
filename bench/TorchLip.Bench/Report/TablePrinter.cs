using System;
using System.IO;
using System.Linq;
using TorchLip.Bench.Suites;
using TorchLip.Bench.Workloads;
using static TorchLip.Bench.Report.Format;

namespace TorchLip.Bench.Report;

/// <summary>The human-readable report of a default run.</summary>
internal static class TablePrinter
{
    /// <summary>Foreign load (in cores) above which a section's numbers are flagged as disturbed.</summary>
    public const double DisturbedCores = 0.25;

    public static void Print(BenchResults r, TextWriter o)
    {
        var m = r.Machine;
        o.WriteLine();
        o.WriteLine($"TorchLip.NET benchmark: {r.Threads} torch thread(s), {(r.Quick ? "--quick plan (smoke run, noisy numbers)" : "default plan")}, {N(r.TotalSeconds, "0")} s");
        o.WriteLine($"machine: {m.Cores} cores, {m.CpuModel}, {N(m.MemoryGiB, "0.0")} GiB; {m.Runtime}; TorchSharp {m.TorchSharp}");
        o.WriteLine($"load average (1/5/15 min) before: {Loads(r.LoadBefore)}   after: {Loads(r.LoadAfter)}");

        var t = r.Training;
        o.WriteLine();
        o.WriteLine($"(a) training, batch 128, Adam 1e-3, HKR(alpha 10, margin 1), synthetic 11774x1x28x28   {Foreign(t.ForeignCores)}");
        o.WriteLine($"    {"network",-46}{"steps/s",10}{"samples/s",12}{"rounds",8}{"spread",8}");
        TrainRow(o, "Lipschitz (3 SpectralLinear + FrobeniusLinear)", t.Lipschitz);
        TrainRow(o, "plain (nn.Linear + FullSort)", t.Plain);
        o.WriteLine($"    train_ratio = Lipschitz / plain = {N(t.Ratio, "0.000")}  (plain is {N(1 / t.Ratio, "0.0")}x faster)");
        o.WriteLine($"    singular values of the SpectralLinear effective weights after training (eval mode, float64), |sigma - 1| <= {N(SingularValueCheck.Tolerance, "0e0")}:");
        foreach (var s in t.SingularValues)
            o.WriteLine($"      {s.Layer,-62} min {N(s.MinSigma, "0.0000000")}  max {N(s.MaxSigma, "0.0000000")}  max|s-1| {N(s.MaxDeviation, "0.0e0")}  {(s.Ok ? "OK" : "FAIL")}");

        var inf = r.Inference;
        o.WriteLine();
        o.WriteLine($"(b) inference under no_grad, samples/s   {Foreign(inf.ForeignCores)}");
        o.WriteLine($"    {"batch",-10}{"Lipschitz eval",16}{"exported",14}{"ratio",9}{"spread L/E",14}");
        foreach (var row in inf.Rows)
            o.WriteLine($"    {row.BatchSize,-10}{N(row.Lipschitz.MedianPerSecond, "N0"),16}{N(row.Exported.MedianPerSecond, "N0"),14}{N(row.Ratio, "0.000"),9}" +
                        $"{Percent(row.Lipschitz.Spread) + "/" + Percent(row.Exported.Spread),14}");
        o.WriteLine($"    infer_ratio (batch 128, Lipschitz eval / exported) = {N(inf.Ratio, "0.000")}");
        o.WriteLine($"    max |exported(x) - eval(x)| over 1954 samples = {N(inf.ExportMaxAbsDiff, "0.0e0")}");

        var j = r.Job;
        o.WriteLine();
        o.WriteLine($"(c) tutorial job (torchlip mnist08) as a child process   {(j.Status == "ran" ? Foreign(j.ForeignCores) : "")}");
        if (j.Status == "skipped") o.WriteLine("    " + j.Message);
        else
        {
            o.WriteLine($"    dotnet {j.Arguments}");
            if (j.Status == "failed") o.WriteLine("    " + j.Message.Replace("\n", "\n    "));
            o.WriteLine($"    job_wall_s = {N(j.WallSeconds, "0.0")}   job_peak_rss_mb = {N(j.PeakRssMiB, "0")} ({j.PeakRssSource})");
            o.WriteLine($"    job_rss_growth = {N(j.RssGrowth, "0.000")} ({j.RssGrowthNote})");
        }

        var w = r.Width;
        o.WriteLine();
        o.WriteLine($"(d) training-step cost against the first hidden layer's width (784->W->64->32->1), batch 128   {Foreign(w.ForeignCores)}");
        o.WriteLine($"    {"W",-8}{"Lipschitz ms",14}{"plain ms",11}{"ratio",9}{"Lip. steps",12}");
        foreach (var row in w.Rows)
            o.WriteLine($"    {row.Width,-8}{N(row.LipschitzMs, "0.00"),14}{N(row.PlainMs, "0.000"),11}{N(row.Ratio, "0.0"),9}{row.Lipschitz.Rounds.Sum(x => x.Count),12}");

        o.WriteLine();
        o.WriteLine($"summary: train_ratio={N(t.Ratio, "0.000")} infer_ratio={N(inf.Ratio, "0.000")} " +
                    $"job_wall_s={N(j.WallSeconds, "0.0")} job_peak_rss_mb={N(j.PeakRssMiB, "0")} job_rss_growth={N(j.RssGrowth, "0.000")}");
        if (new[] { t.ForeignCores, inf.ForeignCores, w.ForeignCores, j.ForeignCores }.Any(c => c > DisturbedCores))
            o.WriteLine($"warning: other processes used more than {DisturbedCores} cores during a section marked DISTURBED; re-run on an idle machine.");
    }

    private static void TrainRow(TextWriter o, string name, Rates rates) =>
        o.WriteLine($"    {name,-46}{N(rates.MedianPerSecond, "0.0"),10}{N(rates.MedianPerSecond * TrainingLoop.BatchSize, "N0"),12}{rates.Rounds.Count,8}{Percent(rates.Spread),8}");

    private static string Foreign(double cores) =>
        double.IsNaN(cores) ? "" : $"[other processes: {N(cores, "0.00")} cores{(cores > DisturbedCores ? ", DISTURBED" : "")}]";
}
