using System;
using System.Linq;
using System.Reflection;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace TorchLip.Tests;

/// <summary>
/// TorchLip's names beside TorchSharp's usual usings (<c>using static TorchSharp.torch;</c> and
/// <c>using static TorchSharp.torch.nn;</c>). That this file compiles is the main check: every name below is written
/// unqualified, TorchLip's and TorchSharp's alike, and none is ambiguous.
/// </summary>
public class TorchSharpUsingsTests
{
    [Fact]
    public void TorchLipCodeReadsUnqualifiedBesideTorchSharpsUsings()
    {
        torch.set_num_threads(1);
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = Sequential(Flatten(), SpectralLinear(8, 4), FullSort(), FrobeniusLinear(4, 1));
        Assert.IsType<TorchLip.Modules.Sequential>(model);
        Assert.IsType<TorchLip.Modules.Sequential>(Sequential(SpectralLinear(8, 1)));
        Assert.IsType<TorchLip.Modules.Sequential>(Sequential(("dense", SpectralLinear(8, 1))));
        Assert.IsType<TorchLip.Modules.Sequential>(Sequential(2.0, SpectralLinear(8, 1)));
        Assert.IsType<TorchLip.Modules.SpectralLinear>(SpectralLinear(8, 4));

        var x = randn(16, 2, 4);
        var y = sign(x[TensorIndex.Colon, 0, 0] + 0.1);
        using var opt = Adam(model.parameters(), lr: 1e-2);
        Assert.IsType<TorchLip.Optim.Adam>(opt);
        var loss = hkr_loss(model.call(x).squeeze(-1), y, alpha: 10, min_margin: 1);
        opt.zero_grad(); loss.backward(); opt.step();

        model.eval();
        double estimate = lipschitz_pairwise_estimate(model, x);
        Assert.InRange(estimate, 0, 1 + 1e-4);
        Assert.InRange(layer_singular_values(model).Max(l => l.Max), 0.99, 1 + 1e-4);
        Assert.Equal(16, binary_certificates(model, x).numel());
        Assert.InRange(provable_robust_accuracy(model, x, y, 0.0), 0, 1);

        // TorchSharp's own names keep their meaning next to TorchLip's.
        using var sgd = optim.SGD(model.parameters(), 0.1);
        Assert.IsNotType<TorchLip.Optim.Adam>(sgd);
        Assert.Equal(0, functional.relu(-ones(3)).sum().item<float>());
        Assert.IsType<TorchSharp.Modules.Sequential>(nn.Sequential(Linear(2, 2)));
    }

    /// <summary>
    /// No member of <see cref="torchlip"/> is named like a nested class of <c>torch</c> or <c>torch.nn</c> (those would
    /// make the simple name ambiguous, CS0104), and no TorchLip method is named like one of theirs except Sequential,
    /// whose overloads are built to win C#'s tie-break.
    /// </summary>
    [Fact]
    public void NoTorchLipNameCollidesWithTorchSharpsUsingStaticNames()
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static;
        var torchSharp = new[] { typeof(torch), typeof(torch.nn) };
        var theirTypes = torchSharp.SelectMany(t => t.GetNestedTypes(BindingFlags.Public)).Select(t => t.Name).ToHashSet();
        var theirMembers = torchSharp.SelectMany(t => t.GetMembers(flags)).Select(m => m.Name).ToHashSet();
        var ours = typeof(torchlip).GetMembers(flags).Select(m => m.Name)
            .Concat(typeof(torchlip).GetNestedTypes(BindingFlags.Public).Select(t => t.Name)).Distinct().ToArray();

        Assert.Equal(Array.Empty<string>(), ours.Where(theirTypes.Contains).ToArray());
        Assert.Equal(new[] { "Sequential" }, ours.Where(theirMembers.Contains).ToArray());
    }
}
