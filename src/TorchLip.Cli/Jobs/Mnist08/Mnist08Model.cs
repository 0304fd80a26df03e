using TorchLip.Modules;
using TorchLip.Training;

namespace TorchLip.Cli.Jobs;

/// <summary>The tutorial's dense 1-Lipschitz network for 28×28 images with one output score.</summary>
public static class Mnist08Model
{
    /// <summary>Flatten → SpectralLinear(784,128) → FullSort → (128,64) → FullSort → (64,32) → FullSort → FrobeniusLinear(32,1).</summary>
    public static Sequential Build() => TutorialNetwork.Create(28 * 28);
}
