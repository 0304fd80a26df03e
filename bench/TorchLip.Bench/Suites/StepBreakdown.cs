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
    public static List<ProfileRow> Measure(TrainingLoop loop, Modules.Sequential network, IReadOnlyList<LayerProbe> probes, SyntheticMnist data, TimeSpan budget)
    {
        using var plain = Networks.Plain();
        using var plainLoop = new TrainingLoop(plain, data);
        plainLoop.Run(20);
        var frobenius = network.layers.Select(l => l.module).OfType<Modules.FrobeniusLinear>().Single();
        var labels = data.Labels.narrow(0, 0, TrainingLoop.BatchSize);
        using var adam = optim.Adam(network.parameters(), lr: 0);   // lr 0: times the update, changes nothing
        using var one = torch.ones(1);

        var items = new List<(string name, int indent, Action body, bool constraint)> { ("full Lipschitz training step", 0, loop.Step, false) };
        foreach (var p in probes)
        {
            items.Add(($"{p.Name}: power iteration (3 steps, no grad)", 1, p.PowerIteration, true));
            items.Add(($"{p.Name}: effective weight forward+backward", 1, p.EffectiveWeightBackward, true));
            items.Add(("forward only", 2, () => p.EffectiveWeight(), false));
            items.Add(("in it: sigma upper bound (float64, 6 squarings, no grad)", 2, p.SpectralBoundCheck, false));
            items.Add(("in it: sigma estimate, W / sigma and Bjorck 15 steps, forward+backward", 2, () => p.BjorckBackward(15), false));
            items.Add(("in it: the same, forward only", 2, () => p.Bjorck(15), false));
            items.Add(("in it: contraction guard (Gram residual + host sync)", 2, p.Guard, false));
        }
        items.Add(("FrobeniusLinear 32->1: effective weight forward+backward", 1, () => frobenius.effective_weight().sum().backward(), true));
        items.Add(("for comparison: a whole plain training step, same shapes", 1, plainLoop.Step, false));
        items.Add(("hkr_loss forward+backward on 128 outputs (label check = host sync)", 1, () =>
        {
            var f = torch.randn(TrainingLoop.BatchSize, 1, requires_grad: true);
            torchlip.functional.hkr_loss(f, labels, TrainingLoop.Alpha, TrainingLoop.MinMargin).backward();
        }, false));
        items.Add(("FullSort 128x128 forward+backward", 1, () =>
        {
            var x = torch.randn(TrainingLoop.BatchSize, 128, requires_grad: true);
            torchlip.functional.full_sort(x).backward(new[] { torch.ones(TrainingLoop.BatchSize, 128) });
        }, false));
        items.Add(("Adam step over the Lipschitz network's parameters", 1, () => adam.step(), false));
        items.Add(("1000 tiny tensor ops (1-element add): the per-op overhead x 1000", 1, () =>
        {
            for (int i = 0; i < 1000; i++) one.add(one);
        }, false));

        var ms = Timing.Interleaved(items.Select(i => i.body).ToList(), budget);
        var rows = items.Select((item, k) => new ProfileRow(item.name, ms[k], item.indent)).ToList();
        double constraints = items.Select((item, k) => item.constraint ? ms[k] : 0).Sum();
        int at = items.FindIndex(i => i.name.StartsWith("for comparison", StringComparison.Ordinal));
        rows.Insert(at, new ProfileRow("all weight constraints (sum of the power iterations and effective weights)", constraints, 1));
        rows.Insert(at + 1, new ProfileRow("rest of the step = full - constraints (batch, layer matmuls, FullSort, loss, Adam)", ms[0] - constraints, 1));
        return rows;
    }
}
