using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
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
            ["infer_ratio"] = Num(inf.Ratio),
            ["job_wall_s"] = Num(j.WallSeconds),
            ["job_peak_rss_mb"] = Num(j.PeakRssMiB),
            ["job_rss_growth"] = Num(j.RssGrowth),
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
            ["training"] = new JsonObject
            {
                ["batch_size"] = TrainingLoop.BatchSize,
                ["samples"] = SyntheticMnist.TutorialTrainSize,
                ["lipschitz"] = Rates(t.Lipschitz, TrainingLoop.BatchSize),
                ["plain"] = Rates(t.Plain, TrainingLoop.BatchSize),
                ["ratio"] = Num(t.Ratio),
                ["foreign_cores"] = Num(t.ForeignCores),
                ["singular_values"] = new JsonArray(t.SingularValues.Select(s => (JsonNode)new JsonObject
                {
                    ["layer"] = s.Layer,
                    ["min"] = Num(s.MinSigma),
                    ["max"] = Num(s.MaxSigma),
                    ["max_abs_deviation"] = Num(s.MaxDeviation),
                    ["ok"] = s.Ok,
                }).ToArray()),
                ["singular_values_ok"] = t.SingularValues.All(s => s.Ok),
            },
            ["inference"] = new JsonObject
            {
                ["by_batch_size"] = new JsonArray(inf.Rows.Select(row => (JsonNode)new JsonObject
                {
                    ["batch_size"] = row.BatchSize,
                    ["lipschitz_eval"] = Rates(row.Lipschitz, 1),
                    ["exported"] = Rates(row.Exported, 1),
                    ["ratio"] = Num(row.Ratio),
                }).ToArray()),
                ["export_max_abs_diff"] = Num(inf.ExportMaxAbsDiff),
                ["foreign_cores"] = Num(inf.ForeignCores),
            },
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
            },
            ["width_scaling"] = new JsonObject
            {
                ["rows"] = new JsonArray(r.Width.Rows.Select(row => (JsonNode)new JsonObject
                {
                    ["width"] = row.Width,
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

    /// <summary>Median rate (of the undisturbed rounds), spread and every round; <paramref name="unit"/> converts steps to samples.</summary>
    private static JsonObject Rates(Rates rates, int unit) => new()
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
    private static JsonNode? Num(double? x) => x is double v && double.IsFinite(v) ? JsonValue.Create(v) : null;
}
