using System.CommandLine;
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
    }

    public Option<int> Epochs { get; }
    public Option<long> Seed { get; }
    public Option<int> Threads { get; }
    public Option<string> Device { get; }
    public Option<string> Output { get; }

    /// <summary>Adds the five options to <paramref name="command"/>, after its own.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Epochs);
        command.Options.Add(Seed);
        command.Options.Add(Threads);
        command.Options.Add(Device);
        command.Options.Add(Output);
    }

    /// <summary><paramref name="options"/> with the parsed shared values, and the progress bar on a terminal only.</summary>
    public T Apply<T>(T options, ParseResult parse) where T : JobOptions => (T)(options with
    {
        Epochs = parse.GetValue(Epochs),
        Seed = parse.GetValue(Seed),
        Threads = parse.GetValue(Threads),
        Device = parse.GetValue(Device) ?? _defaults.Device,
        Output = parse.GetValue(Output) ?? _defaults.Output,
        ShowProgress = !System.Console.IsOutputRedirected,
    });
}
