using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>moons</c> command: parses the options and runs <see cref="MoonsJob"/>.</summary>
public static class MoonsCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new MoonsOptions();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var samples = new Option<int>("--samples") { Description = "Number of two-moons points.", DefaultValueFactory = _ => defaults.Samples };
        var noise = new Option<double>("--noise") { Description = "Standard deviation of the points' noise.", DefaultValueFactory = _ => defaults.Noise };
        var batchSize = new Option<int>("--batch-size") { Description = "Points per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var alpha = new Option<double>("--alpha") { Description = "HKR loss alpha·hinge − KR: weight of the hinge term (49 = the notebook's HKRLoss(alpha=0.98)).", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "Hinge margin m of relu(m − y·f) (0.145 = the notebook's min_margin=0.29, halved by deel-torchlip 1.x).", DefaultValueFactory = _ => defaults.MinMargin };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<long>("--seed") { Description = "Seed of the data, weight initialization and batch order.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads, at most the number of cores.", DefaultValueFactory = _ => defaults.Threads };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => defaults.Device };
        var output = new Option<string>("--output") { Description = "Output directory for report.json and contour.png.", DefaultValueFactory = _ => defaults.Output };

        var command = new Command("moons", "Train a 1-Lipschitz HKR classifier on the two moons and draw its certified distance to the boundary (deel-torchlip's Example 2).")
        {
            epochs, samples, noise, batchSize, alpha, minMargin, lr, seed, threads, device, output,
        };
        command.SetAction(parse => JobRunner.Execute("moons", () => MoonsJob.Run(new MoonsOptions
        {
            Epochs = parse.GetValue(epochs),
            Samples = parse.GetValue(samples),
            Noise = parse.GetValue(noise),
            BatchSize = parse.GetValue(batchSize),
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            LearningRate = parse.GetValue(lr),
            Seed = parse.GetValue(seed),
            Threads = parse.GetValue(threads),
            Device = parse.GetValue(device) ?? defaults.Device,
            Output = parse.GetValue(output) ?? defaults.Output,
            ShowProgress = !Console.IsOutputRedirected,
        }, Console.Out), Console.Error));
        return command;
    }
}
