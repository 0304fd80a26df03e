using System;
using System.IO;

namespace TorchLip.Cli.Jobs;

/// <summary>Routes the library's warnings (e.g. Sequential's about Flatten, which the tutorials show) to a job's output while building.</summary>
internal static class WarningsToOutput
{
    public static T While<T>(TextWriter output, Func<T> build)
    {
        var previous = Warnings.Handler;
        Warnings.Handler = message => output.WriteLine("UserWarning: " + message);
        try
        {
            return build();
        }
        finally
        {
            Warnings.Handler = previous;
        }
    }
}
