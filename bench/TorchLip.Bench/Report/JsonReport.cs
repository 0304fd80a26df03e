using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchLip.Bench.Suites;
using TorchLip.Bench.Workloads;

namespace TorchLip.Bench.Report;

/// <summary>The JSON form of a default run: the headline keys at the top level, then the details.</summary>
internal static class JsonReport
{
    public static void Write(BenchResults r, string path)
    {
        var t = r.Training;
        var inf = r.Inference;
        var j = r.Job;
        var root = new JsonObject
        {
            ["train_ratio"] = Num(t.Ratio),
            ["train_ratio_random_labels"] = Num(t.RandomLabels.Ratio),
            ["infer_ratio"] = Num(inf.Ratio),
            ["job_wall_s"] = Num(j.WallSeconds),
            ["job_peak_rss_mb"] = Num(j.MaxPeakRssMiB),
            ["job_rss_growth"] = Num(j.WorstRssGrowth),
            ["conv_ratio_twin_b"] = Num(r.Conv.RatioTwinB),
            ["conv_ratio_twin_a"] = Num(r.Conv.RatioTwinA),
            ["conv_infer_ratio"] = Num(r.Conv.InferRatio),
            ["conv_peer_ratio"] = Num(r.Conv.Peer.Ratio),
            ["threads"] = r.Threads,
            ["quick"] = r.Quick,
            ["disturbed_threshold_cores"] = Timed.DisturbedCores,
            ["total_s"] = Num(r.TotalSeconds),
            ["machine"] = new JsonObject
            {
                ["cores"] = r.Machine.Cores,
                ["cpu_model"] = r.Machine.CpuModel,
                ["memory_gib"] = Num(r.Machine.MemoryGiB),
                ["os"] = r.Machine.Os,
                ["runtime"] = r.Machine.Runtime,
                ["torchsharp"] = r.Machine.TorchSharp,
                ["load_average_before"] = Array(r.LoadBefore),
                ["load_average_after"] = Array(r.LoadAfter),
            },
            ["training"] = Training(t.Tutorial, r.Plan),
            ["training_random_labels"] = Training(t.RandomLabels, r.Plan),
            ["inference"] = new JsonObject
            {
                ["data"] = t.Tutorial.Data,
                ["by_batch_size"] = new JsonArray(inf.Rows.Select(row => (JsonNode)new JsonObject
                {
                    ["batch_size"] = row.BatchSize,
                    ["lipschitz_eval"] = Rates(row.Lipschitz, 1),
                    ["exported"] = Rates(row.Exported, 1),
                    ["ratio"] = Num(row.Ratio),
                    ["ratio_of_medians"] = Num(row.RatioOfMedians),
                }).ToArray()),
                ["export_max_abs_diff"] = Num(inf.ExportMaxAbsDiff),
                ["foreign_cores"] = Num(inf.ForeignCores),
            },
            ["conv"] = ConvReport.Json(r.Conv),
            ["job"] = new JsonObject
            {
                ["status"] = j.Status,
                ["message"] = j.Message,
                ["cli"] = j.CliPath,
                ["arguments"] = j.Arguments,
                ["wall_s"] = Num(j.WallSeconds),
                ["peak_rss_mb"] = Num(j.PeakRssMiB),
                ["peak_rss_source"] = j.PeakRssSource,
                ["rss_growth"] = Num(j.RssGrowth),
                ["rss_growth_note"] = j.RssGrowthNote,
                ["epochs"] = j.Epochs,
                ["foreign_cores"] = Num(j.ForeignCores),
                ["runs"] = new JsonArray(j.Runs.Select(run => (JsonNode)new JsonObject
                {
                    ["wall_s"] = Num(run.WallSeconds),
                    ["peak_rss_mb"] = Num(run.PeakRssMiB),
                    ["rss_growth"] = Num(run.RssGrowth),
                    ["foreign_cores"] = Num(run.ForeignCores),
                }).ToArray()),
            },
            ["width_scaling"] = new JsonObject
            {
                ["data"] = t.Tutorial.Data,
                ["rows"] = new JsonArray(r.Width.Rows.Select(row => (JsonNode)new JsonObject
                {
                    ["width"] = row.Width,
                    ["lipschitz_warmup_steps"] = row.WarmupSteps,
                    ["warm_start_steps_at_end"] = new JsonArray(row.WarmStartSteps.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                    ["lipschitz_ms_per_step"] = Num(row.LipschitzMs),
                    ["plain_ms_per_step"] = Num(row.PlainMs),
                    ["ratio"] = Num(row.Ratio),
                    ["lipschitz"] = Rates(row.Lipschitz, TrainingLoop.BatchSize),
                    ["plain"] = Rates(row.Plain, TrainingLoop.BatchSize),
                }).ToArray()),
                ["foreign_cores"] = Num(r.Width.ForeignCores),
            },
        };
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>One Lipschitz-vs-plain training pair of section (a).</summary>
    private static JsonObject Training(TrainingPair p, BenchPlan plan) => new()
    {
        ["data"] = p.Data,
        ["batch_size"] = TrainingLoop.BatchSize,
        ["samples"] = p.Samples,
        ["lipschitz_warmup_steps"] = p.WarmupSteps,
        ["plain_warmup_steps"] = plan.PlainWarmup,
        ["lipschitz"] = Rates(p.Lipschitz, TrainingLoop.BatchSize),
        ["plain"] = Rates(p.Plain, TrainingLoop.BatchSize),
        ["ratio"] = Num(p.Ratio),
        ["ratio_of_medians"] = Num(p.RatioOfMedians),
        ["foreign_cores"] = Num(p.ForeignCores),
        ["warm_start_steps_per_training_step"] = Array(p.WarmStartSteps.ToArray()),
        ["warm_start_sample_steps"] = TrainingSuite.WarmStartSampleSteps,
        ["singular_values"] = new JsonArray(p.SingularValues.Select(s => (JsonNode)new JsonObject
        {
            ["layer"] = s.Layer,
            ["min"] = Num(s.MinSigma),
            ["max"] = Num(s.MaxSigma),
            ["max_abs_deviation"] = Num(s.MaxDeviation),
            ["ok"] = s.Ok,
        }).ToArray()),
        ["singular_values_ok"] = p.SingularValues.All(s => s.Ok),
    };

    /// <summary>Median rate (of the undisturbed rounds), spread and every round; <paramref name="unit"/> converts steps to samples.</summary>
    internal static JsonObject Rates(Rates rates, int unit) => new()
    {
        ["per_s"] = Num(rates.MedianPerSecond),
        ["samples_per_s"] = Num(rates.MedianPerSecond * unit),
        ["spread"] = Num(rates.Spread),
        ["undisturbed_rounds"] = rates.CleanRounds,
        ["rounds"] = new JsonArray(rates.Rounds.Select(x => (JsonNode)new JsonObject
        {
            ["count"] = x.Count,
            ["seconds"] = Num(x.Seconds),
            ["foreign_cores"] = Num(x.ForeignCores),
            ["disturbed"] = x.Disturbed,
        }).ToArray()),
    };

    private static JsonArray Array(double[] values) => new(values.Select(v => Num(v)).ToArray());

    /// <summary>JSON has no NaN: an unmeasured number is null.</summary>
    internal static JsonNode? Num(double? x) => x is double v && double.IsFinite(v) ? JsonValue.Create(v) : null;
}
