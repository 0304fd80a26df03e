using System.CommandLine;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>
/// The options every command takes, <c>--epochs</c>, <c>--seed</c>, <c>--threads</c>, <c>--device</c> and
/// <c>--output</c>, with the command's own defaults and the wording of what its seed and output cover.
/// </summary>
internal sealed class CommonOptions
{
    public CommonOptions(int epochs, long seed, int threads, string device, string output, string seedCovers, string outputHolds)
    {
        Epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => epochs };
        Seed = new Option<long>("--seed") { Description = $"Seed of {seedCovers}.", DefaultValueFactory = _ => seed };
        Threads = new Option<int>("--threads")
        {
            Description = "Torch intra-op threads, at most the number of cores (more than one can slow down several-fold when another process shares the cores).",
            DefaultValueFactory = _ => threads,
        };
        Device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => device };
        Output = new Option<string>("--output") { Description = $"Output directory for {outputHolds}.", DefaultValueFactory = _ => output };
        _deviceDefault = device;
        _outputDefault = output;
    }

    private readonly string _deviceDefault;
    private readonly string _outputDefault;

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

    public string DeviceOf(ParseResult parse) => parse.GetValue(Device) ?? _deviceDefault;

    public string OutputOf(ParseResult parse) => parse.GetValue(Output) ?? _outputDefault;
}
