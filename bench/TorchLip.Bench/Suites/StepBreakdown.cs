using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>One line of the step profile: a component's median time per call.</summary>
internal sealed record ProfileRow(string Name, double Ms, int Indent = 0);

/// <summary>
/// Times each part of a Lipschitz training step of the tutorial network. Every part is measured round-robin with
/// the whole step (<see cref="Timing.Interleaved"/>), so the parts can be set against the step they belong to.
/// </summary>
internal static class StepBreakdown
{
    private enum Role { None, WarmMap, PlainMap, Frobenius }

    /// <param name="warmSteps">Per probe, the warm start's Björck steps at this point of the training, for the labels.</param>
    public static List<ProfileRow> Measure(TrainingLoop loop, Modules.Sequential network, IReadOnlyList<LayerProbe> probes,
        IReadOnlyList<int> warmSteps, TrainingData data, TimeSpan budget)
    {
        using var plain = Networks.Plain();
        using var plainLoop = new TrainingLoop(plain, data);
        plainLoop.Run(20);
        var frobenius = network.layers.Select(l => l.module).OfType<Modules.FrobeniusLinear>().Single();
        var labels = data.Labels.narrow(0, 0, TrainingLoop.BatchSize);
        using var adam = torchlip.Adam(network.parameters(), lr: 0);   // lr 0: times the update, changes nothing
        using var one = torch.ones(1);

        var items = new List<(string name, int indent, Action body, Role role)> { ("full Lipschitz training step", 0, loop.Step, Role.None) };
        for (int i = 0; i < probes.Count; i++)
        {
            var p = probes[i];
            string steps = warmSteps[i] == 1 ? "1 Bjorck step" : $"{warmSteps[i]} Bjorck steps";
            items.Add(($"{p.Name}: warm start, Orthonormalize(W, P).Linear(x, bias) forward+backward, {steps}", 1, p.WarmLinearBackward, Role.WarmMap));
            items.Add(("in it: Orthonormalize forward only (graph recorded, no backward)", 2, () => p.Warm(), Role.None));
            items.Add(("for comparison: nn.functional.linear(x, raw weight, bias) forward+backward, same shapes", 2, p.PlainLinearBackward, Role.PlainMap));
            items.Add(("for comparison, the classic chain: power iteration (3 steps, no grad)", 2, p.PowerIteration, Role.None));
            items.Add(("for comparison, the classic chain: sigma upper bound (float64, no grad)", 2, p.SpectralBoundCheck, Role.None));
            items.Add(("for comparison, the classic chain: W / sigma and Bjorck 15 steps, forward+backward (weight only)", 2, () => p.BjorckBackward(15), Role.None));
            items.Add(("for comparison, the classic chain: contraction guard (Gram residual + host sync)", 2, p.Guard, Role.None));
        }
        items.Add(("FrobeniusLinear 32->1: effective weight forward+backward", 1, () => frobenius.effective_weight().sum().backward(), Role.Frobenius));
        items.Add(("for comparison: a whole plain training step, same shapes", 1, plainLoop.Step, Role.None));
        items.Add(("hkr_loss forward+backward on 128 outputs (label check = host sync)", 1, () =>
        {
            var f = torch.randn(TrainingLoop.BatchSize, 1, requires_grad: true);
            torchlip.hkr_loss(f, labels, TrainingLoop.Alpha, TrainingLoop.MinMargin).backward();
        }, Role.None));
        items.Add(("FullSort 128x128 forward+backward", 1, () =>
        {
            var x = torch.randn(TrainingLoop.BatchSize, 128, requires_grad: true);
            torchlip.full_sort(x).backward(new[] { torch.ones(TrainingLoop.BatchSize, 128) });
        }, Role.None));
        items.Add(("Adam step over the Lipschitz network's parameters", 1, () => adam.step(), Role.None));
        items.Add(("1000 tiny tensor ops (1-element add): the per-op overhead x 1000", 1, () =>
        {
            for (int i = 0; i < 1000; i++) one.add(one);
        }, Role.None));

        var ms = Timing.Interleaved(items.Select(i => i.body).ToList(), budget);
        var rows = items.Select((item, k) => new ProfileRow(item.name, ms[k], item.indent)).ToList();
        double Sum(Role role) => items.Select((item, k) => item.role == role ? ms[k] : 0).Sum();
        double warm = Sum(Role.WarmMap), plainMaps = Sum(Role.PlainMap), frob = Sum(Role.Frobenius);
        int at = items.FindIndex(i => i.name.StartsWith("for comparison: a whole plain", StringComparison.Ordinal));
        rows.InsertRange(at, new[]
        {
            new ProfileRow("the SpectralLinear maps with their warm-start weights, forward+backward (sum of the three)", warm, 1),
            new ProfileRow("weight constraints = those maps - the same maps with plain weights + FrobeniusLinear weight", warm - plainMaps + frob, 1),
            new ProfileRow("rest of the step = full - those maps - FrobeniusLinear weight (batch, last layer, FullSort, loss, Adam)", ms[0] - warm - frob, 1),
        });
        return rows;
    }
}
