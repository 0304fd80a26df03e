using System;
using System.CommandLine;
using System.IO;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>wasserstein-toy</c> command: parses the options and runs <see cref="WassersteinToyJob"/>.</summary>
public static class WassersteinToyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new WassersteinToyOptions();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var steps = new Option<int>("--steps-per-epoch") { Description = "Training steps per epoch, each on a fresh batch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per step (even: half black, half squares).", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<long>("--seed") { Description = "Seed of weight initialization and images.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads, at most the number of cores.", DefaultValueFactory = _ => defaults.Threads };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => defaults.Device };
        var output = new Option<string>("--output") { Description = "Output directory for report.json, images.png and estimate.png.", DefaultValueFactory = _ => defaults.Output };

        var command = new Command("wasserstein-toy", "Estimate a known Wasserstein-1 distance (35) between black images and centred squares with a 1-Lipschitz network and the KR loss (deel-torchlip's Example 1).")
        {
            epochs, steps, batchSize, lr, seed, threads, device, output,
        };
        command.SetAction(parse => JobRunner.Execute("wasserstein-toy", () => WassersteinToyJob.Run(new WassersteinToyOptions
        {
            Epochs = parse.GetValue(epochs),
            StepsPerEpoch = parse.GetValue(steps),
            BatchSize = parse.GetValue(batchSize),
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
