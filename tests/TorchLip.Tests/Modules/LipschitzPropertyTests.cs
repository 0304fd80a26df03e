using System;
using System.Collections.Generic;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// Randomly drawn dense networks are k-Lipschitz in train mode, eval mode and after export:
/// for random and adversarial input pairs, ‖f(x) − f(y)‖ ≤ (k + 1e-5)‖x − y‖, and the Jacobian's spectral norm is ≤ k + 1e-5.
/// </summary>
public class LipschitzPropertyTests
{
    public static IEnumerable<object[]> Seeds()
    {
        for (int seed = 1; seed <= 8; seed++) yield return new object[] { seed };
    }

    private static (TorchLip.Modules.Sequential model, long inputs, double k) RandomNetwork(int seed)
    {
        var rng = new Random(seed);
        long width = rng.Next(3, 40);
        long inputs = width;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int depth = rng.Next(1, 4);
        for (int i = 0; i < depth; i++)
        {
            long next = 4 * rng.Next(1, 12);
            int niterSpectral = 1 + rng.Next(3);
            layers.Add(rng.Next(2) == 0 ? SpectralLinear(width, next) : SpectralLinear(width, next, niter_spectral: niterSpectral, warm_start: false));
            layers.Add(rng.Next(3) switch { 0 => FullSort(), 1 => GroupSort2(), _ => GroupSort(4) });
            width = next;
        }
        long outputs = rng.Next(1, 6);
        layers.Add(rng.Next(2) == 0 ? SpectralLinear(width, outputs) : FrobeniusLinear(width, outputs, disjoint_neurons: outputs == 1));
        double k = rng.Next(2) == 0 ? 1.0 : 0.5 + 3 * rng.NextDouble();
        return (new TorchLip.Modules.Sequential(layers, k), inputs, k);
    }

    private static void AssertKLipschitz(Func<Tensor, Tensor> f, long inputs, double k, string mode, int seed)
    {
        manual_seed(seed + 100);
        var x = randn(64, inputs) * 3;
        var far = Lipschitz.MaxPairRatio(f, x, randn(64, inputs) * 3);
        var near = Lipschitz.MaxPairRatio(f, x, x + 1e-3 * randn(64, inputs));
        Assert.True(far <= k + 1e-5, $"seed {seed} {mode}: far pair ratio {far} > k = {k}");
        Assert.True(near <= k + 1e-5, $"seed {seed} {mode}: near pair ratio {near} > k = {k}");
        for (int i = 0; i < 4; i++)
        {
            var jac = Lipschitz.JacobianNorm(f, x[i..(i + 1)]);
            Assert.True(jac <= k + 1e-5, $"seed {seed} {mode}: Jacobian norm {jac} > k = {k}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomNetworksAreKLipschitzInEveryMode(int seed)
    {
        manual_seed(seed);
        var (model, inputs, k) = RandomNetwork(seed);
        using var _ = model;

        // A few optimizer steps first so that the raw weights are no longer orthogonal.
        var opt = torchlip.Adam(model.parameters(), lr: 0.05);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            model.call(randn(32, inputs)).pow(2).sum().backward();
            opt.step();
        }

        model.train();
        AssertKLipschitz(x => model.call(x), inputs, k, "train", seed);
        model.eval();
        AssertKLipschitz(x => model.call(x), inputs, k, "eval", seed);
        using var exported = model.vanilla_export();
        AssertKLipschitz(x => exported.call(x), inputs, k, "export", seed);

        var probe = randn(16, inputs);
        using (no_grad())
            Assert.True(exported.call(probe).allclose(model.call(probe), 0, 1e-6), $"seed {seed}: export output differs from eval output");
    }

    [Fact]
    public void SequentialKReallyScalesTheWholeNetwork()
    {
        manual_seed(11);
        // Square orthogonal layers and GroupSort preserve gradient norms: the Jacobian norm is exactly K.
        using var model = Sequential(4.0, SpectralLinear(16, 16), GroupSort2(), SpectralLinear(16, 16));
        model.eval();
        var jac = Lipschitz.JacobianNorm(x => model.call(x), randn(1, 16));
        Assert.InRange(jac, 4 - 1e-4, 4 + 1e-4);
        using var exported = model.vanilla_export();
        Assert.InRange(Lipschitz.JacobianNorm(x => exported.call(x), randn(1, 16)), 4 - 1e-4, 4 + 1e-4);
    }

    [Fact]
    public void EveryWeightHasAllSingularValuesEqualToK()
    {
        manual_seed(12);
        using var layer = SpectralLinear(300, 40, k_coef_lip: 2.5);
        var opt = torchlip.Adam(layer.parameters(), lr: 0.02);
        for (int step = 0; step < 20; step++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            layer.call(randn(16, 300)).pow(3).sum().backward();
            opt.step();
        }
        foreach (var eval in new[] { false, true })
        {
            layer.train(!eval);
            var sv = linalg.svdvals(layer.effective_weight().detach().to_type(ScalarType.Float64)).data<double>().ToArray();
            foreach (var s in sv) Assert.InRange(s, 2.5 - 2.5e-5, 2.5 + 2.5e-5);
        }
    }
}
