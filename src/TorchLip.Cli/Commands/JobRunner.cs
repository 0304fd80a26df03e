using System;
using System.IO;
using TorchLip.Cli.Jobs;

namespace TorchLip.Cli.Commands;

/// <summary>Runs a job and maps its failures to one line on the error stream and the tool's exit codes.</summary>
public static class JobRunner
{
    /// <summary>Runs <paramref name="job"/>.</summary>
    /// <param name="name">The command's name, prefixed to error lines.</param>
    /// <param name="job">The job.</param>
    /// <param name="error">Where a failure is reported.</param>
    /// <returns>0, <see cref="ExitCodes.UsageError"/> for a bad option, <see cref="ExitCodes.RuntimeError"/> for a file that cannot be read or written or a model that cannot be handled.</returns>
    public static int Execute(string name, Action job, TextWriter error)
    {
        try
        {
            job();
            return ExitCodes.Success;
        }
        catch (OptionsException e)
        {
            error.WriteLine($"torchlip {name}: error: {e.Message}");
            return ExitCodes.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
        {
            error.WriteLine($"torchlip {name}: error: {e.Message.ReplaceLineEndings(" ").Trim()}");
            return ExitCodes.RuntimeError;
        }
    }
}
