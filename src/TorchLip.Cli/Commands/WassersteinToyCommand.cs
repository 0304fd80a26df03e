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
        var common = new CommonOptions(defaults,
            "weight initialization and images", "report.json, images.png and estimate.png");
        var steps = new Option<int>("--steps-per-epoch") { Description = "Training steps per epoch, each on a fresh batch.", DefaultValueFactory = _ => defaults.StepsPerEpoch };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per step (even: half black, half squares).", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };

        var command = new Command("wasserstein-toy", "Estimate a known Wasserstein-1 distance (35) between black images and centred squares with a 1-Lipschitz network and the KR loss (deel-torchlip's Example 1).")
        {
            steps, batchSize, lr,
        };
        common.AddTo(command);
        command.SetAction(parse => JobRunner.Execute("wasserstein-toy", () => WassersteinToyJob.Run(common.Apply(new WassersteinToyOptions
        {
            StepsPerEpoch = parse.GetValue(steps),
            BatchSize = parse.GetValue(batchSize),
            LearningRate = parse.GetValue(lr),
        }, parse), Console.Out), Console.Error));
        return command;
    }
}
