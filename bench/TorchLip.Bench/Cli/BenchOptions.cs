using System;
using System.Collections.Generic;
using System.Globalization;

namespace TorchLip.Bench.Cli;

/// <summary>What to run.</summary>
internal enum BenchCommand { Default, Profile, Micro, Conv, Help }

/// <summary>The parsed command line: <c>[micro|profile] [--json PATH] [--threads N] [--quick] [--cli PATH]</c>.</summary>
internal sealed record BenchOptions
{
    public const int DefaultThreads = 2;

    public BenchCommand Command { get; init; } = BenchCommand.Default;
    public string? JsonPath { get; init; }
    public int Threads { get; init; } = DefaultThreads;
    public bool Quick { get; init; }
    public string? CliPath { get; init; }

    /// <summary>Arguments after <c>micro</c>, handed to BenchmarkDotNet unchanged (e.g. <c>--filter *Bjorck*</c>).</summary>
    public IReadOnlyList<string> MicroArgs { get; init; } = Array.Empty<string>();

    public const string Usage =
        "usage: dotnet run --project bench/TorchLip.Bench -c Release -- [--json PATH] [--threads N] [--quick] [--cli PATH_TO_torchlip.dll]\n" +
        "       dotnet run --project bench/TorchLip.Bench -c Release -- profile [--threads N] [--quick]\n" +
        "       dotnet run --project bench/TorchLip.Bench -c Release -- conv [--json PATH] [--threads N] [--quick]\n" +
        "       dotnet run --project bench/TorchLip.Bench -c Release -- micro [--threads N] [--job default|short|medium|long|dry] [BenchmarkDotNet arguments, e.g. --filter *Bjorck*]\n" +
        "\n" +
        "  (default)  training and inference throughput, Lipschitz vs plain, on the tutorial's data (MNIST 0 vs 8; training\n" +
        "             also on random labels, a stress case); the mnist08 job's wall time and peak RSS; step cost against\n" +
        "             the first hidden layer's width; (e) the convolutional network (see conv)\n" +
        "  conv       the convolutional network alone (section (e) of the default run): Lipschitz vs two plain twins,\n" +
        "             eval vs export, and side by side with the Python library when it is installed\n" +
        "  profile    where a Lipschitz training step spends its time (default warm start), next to the classic chain and\n" +
        "             candidate replacements for its Bjorck\n" +
        "  micro      BenchmarkDotNet micro-benchmarks of the building blocks (takes minutes)\n" +
        "  --json PATH   also write the results as JSON\n" +
        "  --threads N   torch intra-op threads (default 2; meant for an idle machine)\n" +
        "  --quick       a ~30 s smoke run with few steps (numbers are noisy)\n" +
        "  --cli PATH    the torchlip CLI assembly for the job benchmark; default: torchlip.dll or TorchLip.Cli.dll\n" +
        "                in src/TorchLip.Cli/bin/Release/net10.0/linux-x64 under the repository root (skipped if absent)";

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        int i = 0;
        if (args.Length > 0 && args[0] == "micro")
            return options with { Command = BenchCommand.Micro, MicroArgs = args[1..] };
        if (args.Length > 0 && args[0] == "profile")
        {
            options = options with { Command = BenchCommand.Profile };
            i = 1;
        }
        else if (args.Length > 0 && args[0] == "conv")
        {
            options = options with { Command = BenchCommand.Conv };
            i = 1;
        }
        for (; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "-h" or "--help": return options with { Command = BenchCommand.Help };
                case "--quick": options = options with { Quick = true }; break;
                case "--json": options = options with { JsonPath = Value(args, ref i) }; break;
                case "--cli": options = options with { CliPath = Value(args, ref i) }; break;
                case "--threads":
                    string v = Value(args, ref i);
                    if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1)
                        throw new ArgumentException($"--threads must be a positive integer, got '{v}'.");
                    options = options with { Threads = n };
                    break;
                default: throw new ArgumentException($"unknown argument '{a}'.");
            }
        }
        if (options.Command == BenchCommand.Conv && options.CliPath is not null)
            throw new ArgumentException("conv takes only --json, --threads and --quick.");
        if (options.Command == BenchCommand.Profile && (options.JsonPath is not null || options.CliPath is not null))
            throw new ArgumentException("profile takes only --threads and --quick.");
        return options;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"{args[i]} needs a value.");
        return args[++i];
    }
}
