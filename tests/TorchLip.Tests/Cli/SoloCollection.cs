using Xunit;

namespace TorchLip.Tests.Cli;

/// <summary>
/// Tests that must not overlap with others: the job seeds torch's process-wide generator and sets the thread
/// count, which test classes running in parallel would otherwise change under it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "solo";
}
