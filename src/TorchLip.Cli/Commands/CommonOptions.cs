using System;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Linq;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>
/// The command-line side of <see cref="JobOptions"/>: <c>--epochs</c>, <c>--seed</c>, <c>--threads</c>, <c>--device</c>
/// and <c>--output</c>, with the job's own defaults and the wording of what its seed and output cover.
/// </summary>
internal sealed class CommonOptions
{
    private readonly JobOptions _defaults;

    public CommonOptions(JobOptions defaults, string seedCovers, string outputHolds)
    {
        _defaults = defaults;
        Epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => defaults.Epochs };
        Seed = new Option<long>("--seed") { Description = $"Seed of {seedCovers}.", DefaultValueFactory = _ => defaults.Seed };
        Threads = new Option<int>("--threads")
        {
            Description = "Torch intra-op threads, at most the number of cores (more than one can slow down several-fold when another process shares the cores).",
            DefaultValueFactory = _ => defaults.Threads,
        };
        Device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => defaults.Device };
        Output = new Option<string>("--output") { Description = $"Output directory for {outputHolds}.", DefaultValueFactory = _ => defaults.Output };
        Resume = new Option<string?>("--resume")
        {
            Description = $"Continue the run whose output directory (or {JobCheckpoint.FileName}) this is, from its last epoch, bit for bit: its recorded options are used, --epochs may be raised; output goes to the same directory unless --output is given.",
        };
    }

    public Option<int> Epochs { get; }
    public Option<long> Seed { get; }
    public Option<int> Threads { get; }
    public Option<string> Device { get; }
    public Option<string> Output { get; }
    public Option<string?> Resume { get; }

    /// <summary>Adds the five options to <paramref name="command"/>, after its own.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Epochs);
        command.Options.Add(Seed);
        command.Options.Add(Threads);
        command.Options.Add(Device);
        command.Options.Add(Output);
        command.Options.Add(Resume);
    }

    /// <summary>
    /// <paramref name="options"/> with the parsed shared values, and the progress bar on a terminal only; with
    /// <c>--resume</c>, the recorded options of that run with the options given here that may change (see
    /// <see cref="JobCheckpoint.ResumeOptions"/>).
    /// </summary>
    /// <exception cref="OptionsException">With --resume: no checkpoint, another command's, or a model-changing option differs.</exception>
    public T Apply<T>(T options, ParseResult parse) where T : JobOptions
    {
        var applied = (T)(options with
        {
            Epochs = parse.GetValue(Epochs),
            Seed = parse.GetValue(Seed),
            Threads = parse.GetValue(Threads),
            Device = parse.GetValue(Device) ?? _defaults.Device,
            Output = parse.GetValue(Output) ?? _defaults.Output,
            ShowProgress = !System.Console.IsOutputRedirected,
        });
        if (parse.GetValue(Resume) is not string resume) return applied;
        var given = parse.CommandResult.Command.Options
            .Where(o => o != Resume && parse.GetResult(o) is OptionResult { Implicit: false })
            .Select(o => JsonName(o.Name))
            .ToHashSet(StringComparer.Ordinal);
        return JobCheckpoint.ResumeOptions(parse.CommandResult.Command.Name, resume, applied, given);
    }

    /// <summary>The options' JSON name of a command-line option (the inverse of <see cref="JobCheckpoint.OptionName"/>).</summary>
    private static string JsonName(string option) => option == "--lr" ? "learning_rate" : option.TrimStart('-').Replace('-', '_');
}
