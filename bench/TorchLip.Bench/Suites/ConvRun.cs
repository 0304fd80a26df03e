using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchLip.Bench.Cli;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;

namespace TorchLip.Bench.Suites;

/// <summary>The <c>conv</c> command: section (e) alone.</summary>
internal static class ConvRun
{
    public static int Run(BenchOptions options)
    {
        TorchSetup.Apply(options.Threads);
        var loadBefore = MachineInfo.LoadAverage();
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"TorchLip.NET benchmark, convolutional network, {options.Threads} thread(s){(options.Quick ? ", --quick" : "")}; load average {Format.Loads(loadBefore)}");
        Console.WriteLine("(e) convolutional network ...");
        var result = ConvSuite.Run(ConvPlan.For(options.Quick), options.Threads);
        ConvReport.Print(result, Console.Out, options.Threads);
        Console.WriteLine($"total {Format.N(watch.Elapsed.TotalSeconds, "0")} s; load average after {Format.Loads(MachineInfo.LoadAverage())}");
        if (options.JsonPath is not null)
        {
            var root = new JsonObject
            {
                ["threads"] = options.Threads,
                ["quick"] = options.Quick,
                ["total_s"] = JsonReport.Num(watch.Elapsed.TotalSeconds),
                ["conv"] = ConvReport.Json(result),
            };
            File.WriteAllText(options.JsonPath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"wrote {options.JsonPath}");
        }
        return result.Peer.Status == "failed" ? 1 : 0;
    }
}
