using System.Collections.Generic;
using System.IO;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The dense network of deel-torchlip's examples: SpectralLinear layers with FullSort between them and a
/// FrobeniusLinear output, optionally after a Flatten (whose "not a Lipschitz layer" warning goes to the output).
/// </summary>
internal static class ToyNetworks
{
    public static Sequential Build(long inputs, IReadOnlyList<long> hidden, TextWriter output, bool flatten)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (flatten) layers.Add(nn.Flatten());
        long width = inputs;
        foreach (var h in hidden)
        {
            layers.Add(torchlip.SpectralLinear(width, h));
            layers.Add(torchlip.FullSort());
            width = h;
        }
        layers.Add(torchlip.FrobeniusLinear(width, 1));
        var previous = Warnings.Handler;
        Warnings.Handler = message => output.WriteLine("UserWarning: " + message);
        try
        {
            return torchlip.Sequential(layers.ToArray());
        }
        finally
        {
            Warnings.Handler = previous;
        }
    }
}
