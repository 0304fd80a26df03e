namespace TorchLip.Cli.Commands;

/// <summary>The tool's exit codes, the same for every command.</summary>
public static class ExitCodes
{
    /// <summary>The job ran to the end.</summary>
    public const int Success = 0;

    /// <summary>A run that failed at run time (data, files).</summary>
    public const int RuntimeError = 1;

    /// <summary>A usage error: no command, an unknown command or option, an unparsable or unusable value.</summary>
    public const int UsageError = 2;
}
