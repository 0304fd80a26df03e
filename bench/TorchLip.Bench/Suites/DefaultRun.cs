using System;
using System.Diagnostics;
using TorchLip.Bench.Cli;
using TorchLip.Bench.Machine;
using TorchLip.Bench.Report;
using TorchLip.Bench.Workloads;

namespace TorchLip.Bench.Suites;

/// <summary>The default command: (a) training, (b) inference, (c) the tutorial job, (d) width scaling, (e) the convolutional network.</summary>
internal static class DefaultRun
{
    public static int Run(BenchOptions options)
    {
        TorchSetup.Apply(options.Threads);
        var plan = BenchPlan.For(options.Quick);
        var machine = MachineInfo.Read();
        var loadBefore = MachineInfo.LoadAverage();
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"TorchLip.NET benchmark, {options.Threads} thread(s){(options.Quick ? ", --quick" : "")}; load average {Format.Loads(loadBefore)}");

        TrainingResult training;
        InferenceResult inference;
        WidthResult width;
        Console.WriteLine("loading the tutorial's data (MNIST 0 vs 8, training split) ...");
        using (var tutorial = TrainingData.Tutorial())
        {
            Console.WriteLine($"(a) training throughput on {tutorial.Name} ...");
            var headline = TrainingSuite.Run(tutorial, plan);
            TrainingPair stress;
            using (var random = TrainingData.RandomLabels())
            {
                Console.WriteLine($"(a) the same on {random.Name} (stress case) ...");
                stress = TrainingSuite.Run(random, plan);
            }
            training = new TrainingResult(headline, stress);
            Console.WriteLine("(b) inference throughput ...");
            inference = InferenceSuite.Run(tutorial, plan);
            Console.WriteLine("(d) width scaling ...");
            width = WidthSuite.Run(tutorial, plan);
        }
        Console.WriteLine("(e) convolutional network ...");
        var conv = ConvSuite.Run(ConvPlan.For(options.Quick), options.Threads);
        // The job runs last, after this process's tensors are gone, so that the two never compete for the cores.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine("(c) tutorial job ...");
        var job = JobSuite.RunRepeated(options.CliPath, options.Threads, plan);

        var results = new BenchResults(machine, options.Threads, options.Quick, plan, loadBefore, MachineInfo.LoadAverage(),
            watch.Elapsed.TotalSeconds, training, inference, job, width, conv);
        TablePrinter.Print(results, Console.Out);
        if (options.JsonPath is not null)
        {
            JsonReport.Write(results, options.JsonPath);
            Console.WriteLine($"wrote {options.JsonPath}");
        }
        if (job.Status == "failed") return 1;
        return training.SingularValuesOk ? 0 : 1;
    }
}
