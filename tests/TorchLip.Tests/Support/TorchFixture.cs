using System.Runtime.CompilerServices;
using TorchSharp;

namespace TorchLip.Tests.Support;

/// <summary>One torch thread for every test: two threads on two shared cores can stall badly.</summary>
internal static class TorchSetup
{
    /// <summary>Runs when the test assembly loads, before any test, whatever the order xunit picks.</summary>
    [ModuleInitializer]
    internal static void OneThreadForTheWholeRun() => torch.set_num_threads(1);
}
