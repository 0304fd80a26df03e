using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Bench.Workloads;

/// <summary>
/// The documentation's "Example 4" convolutional network on 1×28×28 inputs (deel-torchlip's notebook: two 3×3
/// convolutions 1→16→32 with same padding, GroupSort2, 2×2 L2-norm pooling, SpectralLinear(1568, 64), GroupSort2,
/// FrobeniusLinear(64, 10)) and two plain twins of the same shapes.
/// </summary>
internal static class ConvNetworks
{
    public const long Classes = 10;

    /// <summary>The Lipschitz network, the documentation's own layers.</summary>
    public static Modules.Sequential Lipschitz() => torchlip.Sequential(
        torchlip.SpectralConv2d(1, 16, 3, padding: Padding.Same), torchlip.GroupSort2(), torchlip.ScaledL2NormPool2d(2),
        torchlip.SpectralConv2d(16, 32, 3, padding: Padding.Same), torchlip.GroupSort2(), torchlip.ScaledL2NormPool2d(2),
        nn.Flatten(), torchlip.SpectralLinear(1568, 64), torchlip.GroupSort2(),
        torchlip.FrobeniusLinear(64, 10, disjoint_neurons: true));

    /// <summary>Twin A, a user's first try: <c>nn.Conv2d</c> / <c>nn.Linear</c>, the same activations and an L2-norm pool.</summary>
    public static nn.Module<Tensor, Tensor> PlainA() => nn.Sequential(
        nn.Conv2d(1, 16, 3, padding: 1), torchlip.GroupSort2(), nn.LPPool2d(2, 2),
        nn.Conv2d(16, 32, 3, padding: 1), torchlip.GroupSort2(), nn.LPPool2d(2, 2),
        nn.Flatten(), nn.Linear(1568, 64), torchlip.GroupSort2(), nn.Linear(64, 10));

    /// <summary>Twin B: twin A whose convolutions go through the library's internal convolution, as its layers' do.</summary>
    public static nn.Module<Tensor, Tensor> PlainB() => nn.Sequential(
        new LibraryConv2d(1, 16), torchlip.GroupSort2(), nn.LPPool2d(2, 2),
        new LibraryConv2d(16, 32), torchlip.GroupSort2(), nn.LPPool2d(2, 2),
        nn.Flatten(), nn.Linear(1568, 64), torchlip.GroupSort2(), nn.Linear(64, 10));

    /// <summary>A plain 3×3, padding-1 convolution through <see cref="TorchLip.Internal.Cpu.Convolution.Conv2d"/>, initialized like nn.Conv2d.</summary>
    private sealed class LibraryConv2d : nn.Module<Tensor, Tensor>
    {
        private static readonly long[] One = { 1, 1 };
        private readonly Parameter weight;
        private readonly Parameter bias;

        public LibraryConv2d(long inChannels, long outChannels) : base(nameof(LibraryConv2d))
        {
            using var reference = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
            weight = new Parameter(reference.weight!.detach().clone());
            bias = new Parameter(reference.bias!.detach().clone());
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => TorchLip.Internal.Cpu.Convolution.Conv2d(input, weight, bias, One, One, One, 1);
    }
}
