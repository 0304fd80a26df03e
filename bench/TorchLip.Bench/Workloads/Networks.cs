using System;
using System.Linq;
using TorchSharp;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Bench.Workloads;

/// <summary>The tutorial network (784→W→64→32→1, FullSort after each hidden layer) in its two forms.</summary>
internal static class Networks
{
    public const long TutorialWidth = 128;

    /// <summary>
    /// The deel-torchlip tutorial network, with the first hidden layer <paramref name="width"/> wide. Every
    /// SpectralLinear uses the library's default, the warm start, unless <paramref name="warmStart"/> is false: then
    /// they run the classic chain (power iteration, then Björck from W/σ̂) with <paramref name="epsBjorck"/> as the
    /// early-stop threshold (null: always 15 Björck steps). The warm start has no such threshold.
    /// </summary>
    public static Modules.Sequential Lipschitz(long width = TutorialWidth, long seed = 0, bool warmStart = true, double? epsBjorck = null)
    {
        if (warmStart && epsBjorck is not null)
            throw new ArgumentException("eps_bjorck applies to the classic chain only (warmStart: false); the warm start ignores it.", nameof(epsBjorck));
        torch.manual_seed(seed);
        if (warmStart) return TorchLip.Training.TutorialNetwork.Create(784, new[] { width, 64, 32 });
        return Sequential(
            nn.Flatten(),
            SpectralLinear(784, width, eps_bjorck: epsBjorck, warm_start: warmStart), FullSort(),
            SpectralLinear(width, 64, eps_bjorck: epsBjorck, warm_start: warmStart), FullSort(),
            SpectralLinear(64, 32, eps_bjorck: epsBjorck, warm_start: warmStart), FullSort(),
            FrobeniusLinear(32, 1));
    }

    /// <summary>The same shapes with plain <c>nn.Linear</c> layers and the same FullSort activations.</summary>
    public static nn.Module<Tensor, Tensor> Plain(long width = TutorialWidth, long seed = 0)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("0", nn.Flatten()),
            ("1", nn.Linear(784, width)), ("2", FullSort()),
            ("3", nn.Linear(width, 64)), ("4", FullSort()),
            ("5", nn.Linear(64, 32)), ("6", FullSort()),
            ("7", nn.Linear(32, 1)));
    }

    /// <summary>The network's SpectralLinear layers, in order.</summary>
    public static Modules.SpectralLinear[] SpectralLayers(Modules.Sequential network) =>
        network.layers.Select(l => l.module).OfType<Modules.SpectralLinear>().ToArray();
}
