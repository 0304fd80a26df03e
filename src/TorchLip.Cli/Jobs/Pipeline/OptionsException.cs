using System;

namespace TorchLip.Cli.Jobs;

/// <summary>A command-line option has an unusable value; the message is one line naming the option and the fix.</summary>
public sealed class OptionsException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line, e.g. "--epochs must be a positive integer, got 0.".</param>
    public OptionsException(string message) : base(message) { }
}
