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
    /// <returns>0, <see cref="Mnist08Command.UsageError"/> for a bad option, <see cref="Mnist08Command.RuntimeError"/> otherwise.</returns>
    public static int Execute(string name, Action job, TextWriter error)
    {
        try
        {
            job();
            return 0;
        }
        catch (OptionsException e)
        {
            error.WriteLine($"torchlip {name}: error: {e.Message}");
            return Mnist08Command.UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error.WriteLine($"torchlip {name}: error: {e.Message.ReplaceLineEndings(" ").Trim()}");
            return Mnist08Command.RuntimeError;
        }
    }
}
