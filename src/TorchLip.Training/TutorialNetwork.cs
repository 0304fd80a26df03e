using System.Collections.Generic;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>
/// The dense network of deel-torchlip's tutorials: SpectralLinear layers with FullSort between them and a
/// FrobeniusLinear(·, 1) output, optionally after a Flatten.
/// </summary>
public static class TutorialNetwork
{
    /// <summary>The hidden widths of the MNIST and Wasserstein tutorials.</summary>
    public static readonly IReadOnlyList<long> TutorialWidths = new long[] { 128, 64, 32 };

    /// <summary>
    /// <c>[Flatten,] SpectralLinear(inputs, h₁), FullSort, …, SpectralLinear(hₙ₋₁, hₙ), FullSort, FrobeniusLinear(hₙ, 1)</c>.
    /// With <paramref name="flatten"/>, <c>Sequential</c> warns that Flatten is not a Lipschitz layer (through <see cref="Warnings.Handler"/>).
    /// </summary>
    /// <param name="inputs">Input features (after flattening).</param>
    /// <param name="hidden">Hidden widths; null: 128, 64, 32.</param>
    /// <param name="flatten">Start with <c>nn.Flatten()</c> (image inputs).</param>
    public static Sequential Create(long inputs = 28 * 28, IReadOnlyList<long>? hidden = null, bool flatten = true)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (flatten) layers.Add(nn.Flatten());
        long width = inputs;
        foreach (var h in hidden ?? TutorialWidths)
        {
            layers.Add(torchlip.SpectralLinear(width, h));
            layers.Add(torchlip.FullSort());
            width = h;
        }
        layers.Add(torchlip.FrobeniusLinear(width, 1));
        return torchlip.Sequential(layers.ToArray());
    }
}
