using System;
using System.CommandLine;
using System.IO;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>The <c>mnist08</c> command: parses the options and runs <see cref="Mnist08Job"/>.</summary>
public static class Mnist08Command
{
    /// <summary>Exit code of a run that failed because of an option value (<see cref="ExitCodes.UsageError"/>).</summary>
    public const int UsageError = ExitCodes.UsageError;

    /// <summary>Exit code of a run that failed at run time (<see cref="ExitCodes.RuntimeError"/>).</summary>
    public const int RuntimeError = ExitCodes.RuntimeError;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var defaults = new Mnist08Options();
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Samples per training step.", DefaultValueFactory = _ => defaults.BatchSize };
        var alpha = new Option<double>("--alpha") { Description = "HKR loss: weight of the hinge term.", DefaultValueFactory = _ => defaults.Alpha };
        var minMargin = new Option<double>("--min-margin") { Description = "HKR loss: hinge margin.", DefaultValueFactory = _ => defaults.MinMargin };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<long>("--seed") { Description = "Seed of weight initialization and batch order.", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads, at most the number of cores (more than one can slow down several-fold when another process shares the cores).", DefaultValueFactory = _ => defaults.Threads };
        var dataDir = new Option<string?>("--data-dir") { Description = "MNIST directory (default: $TORCHLIP_DATA_DIR, else ~/.cache/torchlip/mnist); missing files are downloaded." };
        var output = new Option<string>("--output") { Description = "Output directory for model.dat, model_exported.dat, report.json and training.png.", DefaultValueFactory = _ => defaults.Output };

        var command = new Command("mnist08", "Train the deel-torchlip tutorial's 1-Lipschitz HKR classifier on MNIST digits 0 vs 8, then check and export it.")
        {
            epochs, batchSize, alpha, minMargin, lr, seed, threads, dataDir, output,
        };
        command.SetAction(parse => Execute(new Mnist08Options
        {
            Epochs = parse.GetValue(epochs),
            BatchSize = parse.GetValue(batchSize),
            Alpha = parse.GetValue(alpha),
            MinMargin = parse.GetValue(minMargin),
            LearningRate = parse.GetValue(lr),
            Seed = parse.GetValue(seed),
            Threads = parse.GetValue(threads),
            DataDir = parse.GetValue(dataDir),
            Output = parse.GetValue(output) ?? defaults.Output,
            ShowProgress = !Console.IsOutputRedirected,
        }, Console.Out, Console.Error));
        return command;
    }

    /// <summary>Runs the job and maps failures to one line on <paramref name="error"/> and an exit code.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="output">Progress text.</param>
    /// <param name="error">Where a failure is reported.</param>
    /// <returns>0 on success, <see cref="UsageError"/> for a bad option, <see cref="RuntimeError"/> otherwise.</returns>
    public static int Execute(Mnist08Options options, TextWriter output, TextWriter error)
    {
        try
        {
            Mnist08Job.Run(options, output);
            return 0;
        }
        catch (OptionsException e)
        {
            error.WriteLine("torchlip mnist08: error: " + e.Message);
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine("torchlip mnist08: error: " + OneLine(e.Message));
            return RuntimeError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
