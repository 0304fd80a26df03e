using System;
using System.Collections.Generic;

namespace TorchLip.Cli.Jobs;

/// <summary>Checks of the options every command shares (epochs, seed, threads, device, output), one line per problem.</summary>
internal static class CommonOptionChecks
{
    public static List<string> Validate(int epochs, long seed, int threads, string device, string output)
    {
        var errors = new List<string>();
        if (DeviceChoice.Problem(device) is string problem) errors.Add(problem);
        if (epochs <= 0) errors.Add($"--epochs must be a positive integer, got {epochs}.");
        if (seed < 0) errors.Add($"--seed must be >= 0, got {seed}.");
        if (threads < 1 || threads > Environment.ProcessorCount)
            errors.Add($"--threads must be between 1 and the {Environment.ProcessorCount} available cores, got {threads}.");
        if (string.IsNullOrWhiteSpace(output)) errors.Add("--output must name a directory.");
        return errors;
    }
}
