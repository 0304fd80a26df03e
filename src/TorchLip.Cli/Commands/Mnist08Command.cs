using System;
using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>mnist08</c> command: parses the options and runs <see cref="Mnist08Job"/>.</summary>
public static class Mnist08Command
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new Mnist08Options();
        var common = new CommonOptions(defaults,
            "weight initialization and batch order", "model.dat, model_exported.dat, report.json and training.png");
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var alpha = new Option<double>("--alpha") { Description = "HKR loss: weight of the hinge term.", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "HKR loss: hinge margin.", DefaultValueFactory = _ => defaults.MinMargin };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var dataDir = new Option<string?>("--data-dir") { Description = "MNIST directory (default: $TORCHLIP_DATA_DIR, else ~/.cache/torchlip/mnist); missing files are downloaded." };
        var digits = new Option<string>("--digits") { Description = "The two MNIST digits to tell apart, A,B: A is labelled +1, B -1.", DefaultValueFactory = _ => string.Join(",", defaults.Digits) };

        var command = new Command("mnist08", "Train the deel-torchlip tutorial's 1-Lipschitz HKR classifier on MNIST digits 0 vs 8, then check and export it.")
        {
            digits, batchSize, alpha, minMargin, lr, dataDir,
        };
        common.AddTo(command);
        command.SetAction(parse => JobRunner.Execute("mnist08", () => Mnist08Job.Run(common.Apply(new Mnist08Options
        {
            Digits = ParseDigits(parse.GetValue(digits))
                ?? throw new OptionsException($"--digits must be two different digits 0-9 separated by a comma, e.g. 0,8; got '{parse.GetValue(digits)}'."),
            BatchSize = parse.GetValue(batchSize),
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            LearningRate = parse.GetValue(lr),
            DataDir = parse.GetValue(dataDir),
        }, parse), Console.Out), Console.Error));
        return command;
    }

    /// <summary>The pair of digits in "A,B", or null when it is not two integers.</summary>
    /// <param name="text">The option's text.</param>
    public static int[]? ParseDigits(string? text)
    {
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 2) return null;
        return int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int a)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int b)
            ? new[] { a, b } : null;
    }
}
