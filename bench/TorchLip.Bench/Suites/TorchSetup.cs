using System;
using TorchSharp;

namespace TorchLip.Bench.Suites;

/// <summary>Process-wide torch settings shared by every command.</summary>
internal static class TorchSetup
{
    public static void Apply(int threads)
    {
        if (threads > Environment.ProcessorCount)
            Console.Error.WriteLine($"warning: --threads {threads} exceeds the {Environment.ProcessorCount} cores; timings will suffer.");
        torch.set_num_threads(threads);
        // The tutorial's Sequential(Flatten, ...) warns that Flatten is not a Lipschitz layer; it is harmless here.
        Warnings.Handler = null;
    }
}
