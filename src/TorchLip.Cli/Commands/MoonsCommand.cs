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
        var common = new CommonOptions(defaults,
            "the data, weight initialization and batch order", "report.json and contour.png");
        var samples = new Option<int>("--samples") { Description = "Number of two-moons points.", DefaultValueFactory = _ => defaults.Samples };
        var noise = new Option<double>("--noise") { Description = "Standard deviation of the points' noise.", DefaultValueFactory = _ => defaults.Noise };
        var batchSize = new Option<int>("--batch-size") { Description = "Points per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var alpha = new Option<double>("--alpha") { Description = "HKR loss alpha·hinge − KR: weight of the hinge term (49 = the notebook's HKRLoss(alpha=0.98)).", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "Hinge margin m of relu(m − y·f) (0.145 = the notebook's min_margin=0.29, halved by deel-torchlip 1.x).", DefaultValueFactory = _ => defaults.MinMargin };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };

        var command = new Command("moons", "Train a 1-Lipschitz HKR classifier on the two moons and draw its certified distance to the boundary (deel-torchlip's Example 2).")
        {
            samples, noise, batchSize, alpha, minMargin, lr,
        };
        common.AddTo(command);
        command.SetAction(parse => JobRunner.Execute("moons", () => MoonsJob.Run(common.Apply(new MoonsOptions
        {
            Samples = parse.GetValue(samples),
            Noise = parse.GetValue(noise),
            BatchSize = parse.GetValue(batchSize),
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            LearningRate = parse.GetValue(lr),
        }, parse), Console.Out), Console.Error));
        return command;
    }
}
