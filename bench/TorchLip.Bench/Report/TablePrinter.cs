using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Bench.Suites;
using TorchLip.Bench.Workloads;
using static TorchLip.Bench.Report.Format;

namespace TorchLip.Bench.Report;

/// <summary>The human-readable report of a default run.</summary>
internal static class TablePrinter
{
    public static void Print(BenchResults r, TextWriter o)
    {
        var m = r.Machine;
        var disturbed = new List<string>();
        o.WriteLine();
        o.WriteLine($"TorchLip.NET benchmark: {r.Threads} torch thread(s), {(r.Quick ? "--quick plan (smoke run, noisy numbers)" : "default plan")}, {N(r.TotalSeconds, "0")} s");
        o.WriteLine($"machine: {m.Cores} cores, {m.CpuModel}, {N(m.MemoryGiB, "0.0")} GiB; {m.Runtime}; TorchSharp {m.TorchSharp}");
        o.WriteLine($"load average (1/5/15 min) before: {Loads(r.LoadBefore)}   after: {Loads(r.LoadAfter)}");
        o.WriteLine($"rounds = undisturbed/total (a round is disturbed when other processes used > {N(Timed.DisturbedCores, "0.00")} cores); figures are medians of the undisturbed rounds");

        var t = r.Training;
        o.WriteLine();
        o.WriteLine($"(a) training, batch 128, Adam 1e-3, HKR(alpha 10, margin 1); {t.Tutorial.WarmupSteps} Lipschitz warm-up steps before the rounds");
        TrainPair(o, $"the tutorial's data: {t.Tutorial.Data}, {t.Tutorial.Samples} training samples", "train_ratio", t.Tutorial, disturbed);
        TrainPair(o, $"{t.RandomLabels.Data} (stress: the warm start needs more steps), {t.RandomLabels.Samples} random images", "train_ratio_random_labels", t.RandomLabels, disturbed);
        o.WriteLine($"    warm-start steps = mean Bjorck steps per training step of each SpectralLinear (784->128 / 128->64 / 64->32), over {TrainingSuite.WarmStartSampleSteps} steps after the rounds");
        o.WriteLine($"    singular values of the SpectralLinear effective weights after training (eval mode, float64), |sigma - 1| <= {N(SingularValueCheck.Tolerance, "0e0")}:");
        foreach (var pair in new[] { t.Tutorial, t.RandomLabels })
            foreach (var s in pair.SingularValues)
                o.WriteLine($"      {pair.Data + ", " + s.Layer,-76} min {N(s.MinSigma, "0.0000000")}  max {N(s.MaxSigma, "0.0000000")}  max|s-1| {N(s.MaxDeviation, "0.0e0")}  {(s.Ok ? "OK" : "FAIL")}");

        var inf = r.Inference;
        o.WriteLine();
        o.WriteLine($"(b) inference under no_grad, samples/s, inputs from {r.Training.Tutorial.Data}   {Foreign(inf.ForeignCores)}");
        o.WriteLine($"    {"batch",-8}{"Lipschitz eval",16}{"exported",12}{"ratio",8}{"rounds L/E",12}{"spread L/E",12}");
        foreach (var row in inf.Rows)
        {
            o.WriteLine($"    {row.BatchSize,-8}{N(row.Lipschitz.MedianPerSecond, "N0"),16}{N(row.Exported.MedianPerSecond, "N0"),12}{N(row.Ratio, "0.000"),8}" +
                        $"{row.Lipschitz.RoundsLabel + " " + row.Exported.RoundsLabel,12}{Percent(row.Lipschitz.Spread) + " " + Percent(row.Exported.Spread),12}");
            Note(disturbed, $"(b) batch {row.BatchSize}", row.Lipschitz, row.Exported);
        }
        o.WriteLine($"    infer_ratio (batch 128, Lipschitz eval / exported) = {N(inf.Ratio, "0.000")}  (median of the paired rounds; ratio of the median rounds {N(inf.Rows[0].RatioOfMedians, "0.000")})");
        o.WriteLine($"    max |exported(x) - eval(x)| over 1954 samples = {N(inf.ExportMaxAbsDiff, "0.0e0")}");

        var j = r.Job;
        o.WriteLine();
        o.WriteLine($"(c) tutorial job (torchlip mnist08) as a child process, run last   {(j.Status == "ran" ? Foreign(j.ForeignCores) : "")}");
        if (j.Status == "skipped") o.WriteLine("    " + j.Message);
        else
        {
            o.WriteLine($"    dotnet {j.Arguments}");
            if (j.Status == "failed") o.WriteLine("    " + j.Message.Replace("\n", "\n    "));
            string runs = j.Runs.Count > 1 ? $" (median of {j.Runs.Count} runs: {string.Join(", ", j.Runs.Select(run => N(run.WallSeconds, "0.0")))})" : "";
            string peaks = j.Runs.Count > 1 ? $", highest of the runs: {string.Join(", ", j.Runs.Select(run => N(run.PeakRssMiB, "0")))}" : "";
            o.WriteLine($"    job_wall_s = {N(j.WallSeconds, "0.0")}{runs}");
            o.WriteLine($"    job_peak_rss_mb = {N(j.MaxPeakRssMiB, "0")} ({j.PeakRssSource}{peaks})");
            o.WriteLine($"    job_rss_growth = {N(j.WorstRssGrowth, "0.000")} ({j.RssGrowthNote}{(j.Runs.Count > 1 ? ", largest of the runs" : "")})");
            if (j.ForeignCores > Timed.DisturbedCores) disturbed.Add("(c) the job's wall time");
        }

        var w = r.Width;
        o.WriteLine();
        o.WriteLine($"(d) training-step cost against the first hidden layer's width (784->W->64->32->1), batch 128, {r.Training.Tutorial.Data}   {Foreign(w.ForeignCores)}");
        o.WriteLine($"    {"W",-8}{"Lipschitz ms",14}{"plain ms",11}{"ratio",9}{"rounds L/P",12}{"warm-up",9}{"Lip. steps",12}{"warm-start steps",18}");
        foreach (var row in w.Rows)
        {
            o.WriteLine($"    {row.Width,-8}{N(row.LipschitzMs, "0.00"),14}{N(row.PlainMs, "0.000"),11}{N(row.Ratio, "0.0"),9}" +
                        $"{row.Lipschitz.RoundsLabel + " " + row.Plain.RoundsLabel,12}{row.WarmupSteps,9}{row.Lipschitz.Rounds.Sum(x => x.Count),12}{row.WarmStartLabel,18}");
            Note(disturbed, $"(d) W={row.Width}", row.Lipschitz, row.Plain);
        }

        o.WriteLine($"    warm-up = Lipschitz steps before the rounds (up to {r.Plan.WidthWarmup}, or fewer once {N(r.Plan.WidthWarmupLimit.TotalSeconds, "0.#")} s have passed);");
        o.WriteLine("    warm-start steps = Bjorck steps the next training step of each SpectralLinear takes, read after the rounds (the wide layers leave the early transient later)");

        var c = r.Conv;
        ConvReport.Print(c, o, r.Threads);
        Note(disturbed, "(e) convolutional network", c.Lipschitz, c.PlainA, c.PlainB, c.InferLipschitz, c.InferExported);

        o.WriteLine();
        o.WriteLine($"summary: train_ratio={N(t.Ratio, "0.000")} train_ratio_random_labels={N(t.RandomLabels.Ratio, "0.000")} infer_ratio={N(inf.Ratio, "0.000")} " +
                    $"job_wall_s={N(j.WallSeconds, "0.0")} job_peak_rss_mb={N(j.MaxPeakRssMiB, "0")} job_rss_growth={N(j.WorstRssGrowth, "0.000")} " +
                    $"conv_ratio_twin_b={N(c.RatioTwinB, "0.000")} conv_ratio_twin_a={N(c.RatioTwinA, "0.000")} conv_infer_ratio={N(c.InferRatio, "0.000")} conv_peer_ratio={N(c.Peer.Ratio, "0.0")}");
        if (disturbed.Count > 0)
            o.WriteLine($"warning: DISTURBED (no undisturbed round): {string.Join("; ", disturbed)}. Re-run on an idle machine.");
    }

    private static void TrainPair(TextWriter o, string title, string key, TrainingPair pair, List<string> disturbed)
    {
        o.WriteLine($"    {title}   {Foreign(pair.ForeignCores)}");
        o.WriteLine($"      {"network",-46}{"steps/s",10}{"samples/s",12}{"rounds",8}{"spread",8}{"warm-start steps",20}");
        string warm = string.Join(" / ", pair.WarmStartSteps.Select(x => N(x, "0.00")));
        TrainRow(o, "Lipschitz (3 SpectralLinear + FrobeniusLinear)", pair.Data, pair.Lipschitz, warm, disturbed);
        TrainRow(o, "plain (nn.Linear + FullSort)", pair.Data, pair.Plain, "", disturbed);
        o.WriteLine($"      {key} = Lipschitz / plain = {N(pair.Ratio, "0.000")}  (median of the paired rounds; ratio of the median rounds {N(pair.RatioOfMedians, "0.000")})");
    }

    private static void TrainRow(TextWriter o, string name, string data, Rates rates, string warm, List<string> disturbed)
    {
        o.WriteLine($"      {name,-46}{N(rates.MedianPerSecond, "0.0"),10}{N(rates.MedianPerSecond * TrainingLoop.BatchSize, "N0"),12}{rates.RoundsLabel,8}{Percent(rates.Spread),8}{warm,20}");
        Note(disturbed, $"(a) {data}: {name}", rates);
    }

    private static void Note(List<string> disturbed, string what, params Rates[] rates)
    {
        if (rates.Any(x => x.CleanRounds == 0)) disturbed.Add(what);
    }

    /// <summary>"[other processes: 0.12 cores]": the foreign load over a whole section.</summary>
    public static string Foreign(double cores) =>
        double.IsNaN(cores) ? "" : $"[other processes: {N(cores, "0.00")} cores{(cores > Timed.DisturbedCores ? ", busy" : "")}]";
}
