using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using TorchLip.Bench.Suites;
using static TorchLip.Bench.Report.Format;

namespace TorchLip.Bench.Report;

/// <summary>Section (e), the convolutional network: its table and its JSON.</summary>
internal static class ConvReport
{
    public const double TargetTwinB = 0.85, TargetTwinA = 1.0, TargetInfer = 0.95, TargetPeer = 5.0;

    public static void Print(ConvResult c, TextWriter o, int threads)
    {
        o.WriteLine();
        o.WriteLine($"(e) convolutional network (docs' Example 4: 1x28x28, conv 1->16->32 3x3 same, GroupSort2, 2x2 L2-norm pool, 1568->64->10), batch {ConvSuite.BatchSize}, Adam 1e-3, random data, {threads} thread(s)");
        o.WriteLine($"    {c.Loss}");
        o.WriteLine($"    {"network",-52} {"steps/s",9} {"spread",7} {"rounds",7}");
        Row(o, "Lipschitz (SpectralConv2d, SpectralLinear, Frobenius)", c.Lipschitz);
        Row(o, "twin A: nn.Conv2d / nn.Linear", c.PlainA);
        Row(o, "twin B: convolutions through the library's path", c.PlainB);
        o.WriteLine($"    Lipschitz / twin B = {N(c.RatioTwinB, "0.000")} (target >= {TargetTwinB})   Lipschitz / twin A = {N(c.RatioTwinA, "0.000")} (target > {TargetTwinA})");
        o.WriteLine($"    GroupSort2 forward+backward on {ConvSuite.BatchSize}x16x28x28: {N(c.GroupSortMs, "0.00")} ms, against {N(c.PlainAStepMs, "0.0")} ms for a whole twin-A step");
        o.WriteLine($"    inference, batch {ConvSuite.BatchSize}, samples/s: eval mode {N(c.InferLipschitz.MedianPerSecond, "0")}, vanilla_export() {N(c.InferExported.MedianPerSecond, "0")}: ratio {N(c.InferRatio, "0.000")} (target >= {TargetInfer}); export max |diff| {N(c.ExportMaxAbsDiff, "0.0e0")}");
        var p = c.Peer;
        if (p.Runs.Count == 0)
            o.WriteLine($"    Python pair {p.Status}: {p.Message}");
        else
        {
            o.WriteLine($"    side by side with the Python library ({p.Message}), alternated {p.Runs.Count} time(s):");
            foreach (var r in p.Runs)
                o.WriteLine($"      ours {N(r.OursStepsPerSecond, "0.00")} Lipschitz steps/s | Python {N(r.PeerLipschitz, "0.00")} Lipschitz, {N(r.PeerPlain, "0.00")} plain, {N(r.PeerInference, "0")} inference samples/s | ours / Python {N(r.Ratio, "0.0")}");
            o.WriteLine($"    ours / Python, Lipschitz training steps/s = {N(p.Ratio, "0.0")} (target >= {TargetPeer}){(p.Status == "ok" ? "" : $"; {p.Status}: {p.Message}")}");
        }
        o.WriteLine($"    other processes used {N(c.ForeignCores, "0.00")} cores on average{(c.ForeignCores > Timed.DisturbedCores ? "  DISTURBED" : "")}");
    }

    private static void Row(TextWriter o, string name, Rates r) =>
        o.WriteLine($"    {name,-52} {N(r.MedianPerSecond, "0.00"),9} {Percent(r.Spread),7} {r.RoundsLabel,7}");

    public static JsonObject Json(ConvResult c) => new()
    {
        ["loss"] = c.Loss,
        ["batch_size"] = ConvSuite.BatchSize,
        ["lipschitz"] = JsonReport.Rates(c.Lipschitz, ConvSuite.BatchSize),
        ["twin_a"] = JsonReport.Rates(c.PlainA, ConvSuite.BatchSize),
        ["twin_b"] = JsonReport.Rates(c.PlainB, ConvSuite.BatchSize),
        ["ratio_twin_b"] = JsonReport.Num(c.RatioTwinB),
        ["ratio_twin_a"] = JsonReport.Num(c.RatioTwinA),
        ["group_sort_2_ms"] = JsonReport.Num(c.GroupSortMs),
        ["twin_a_step_ms"] = JsonReport.Num(c.PlainAStepMs),
        ["inference_lipschitz_eval"] = JsonReport.Rates(c.InferLipschitz, 1),
        ["inference_exported"] = JsonReport.Rates(c.InferExported, 1),
        ["infer_ratio"] = JsonReport.Num(c.InferRatio),
        ["export_max_abs_diff"] = JsonReport.Num(c.ExportMaxAbsDiff),
        ["peer"] = new JsonObject
        {
            ["status"] = c.Peer.Status,
            ["message"] = c.Peer.Message,
            ["ratio"] = JsonReport.Num(c.Peer.Ratio),
            ["runs"] = new JsonArray(c.Peer.Runs.Select(r => (JsonNode)new JsonObject
            {
                ["ours_lipschitz_steps_per_s"] = JsonReport.Num(r.OursStepsPerSecond),
                ["peer_lipschitz_steps_per_s"] = JsonReport.Num(r.PeerLipschitz),
                ["peer_plain_steps_per_s"] = JsonReport.Num(r.PeerPlain),
                ["peer_inference_samples_per_s"] = JsonReport.Num(r.PeerInference),
                ["peer_wall_s"] = JsonReport.Num(r.WallSeconds),
                ["ratio"] = JsonReport.Num(r.Ratio),
            }).ToArray()),
        },
        ["foreign_cores"] = JsonReport.Num(c.ForeignCores),
    };
}
