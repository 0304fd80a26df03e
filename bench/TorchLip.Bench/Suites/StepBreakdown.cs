using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Bench.Workloads;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>One line of the step profile: a component's median time per call.</summary>
internal sealed record ProfileRow(string Name, double Ms, int Indent = 0);

/// <summary>Times each part of a Lipschitz training step of the tutorial network.</summary>
internal static class StepBreakdown
{
    public static List<ProfileRow> Measure(TrainingLoop loop, Modules.Sequential network, IReadOnlyList<LayerProbe> probes, SyntheticMnist data, TimeSpan budget)
    {
        var rows = new List<ProfileRow>();
        double step = Timing.MedianMs(loop.Step, budget);
        rows.Add(new ProfileRow("full Lipschitz training step (measured)", step));
        double constraints = 0;
        foreach (var p in probes)
        {
            double power = Timing.MedianMs(p.PowerIteration, budget);
            double weight = Timing.MedianMs(p.EffectiveWeightBackward, budget);
            constraints += power + weight;
            rows.Add(new ProfileRow($"{p.Name}: power iteration (3 steps, no grad)", power, 1));
            rows.Add(new ProfileRow($"{p.Name}: effective weight forward+backward", weight, 1));
            rows.Add(new ProfileRow("forward only", Timing.MedianMs(() => p.EffectiveWeight(), budget), 2));
            rows.Add(new ProfileRow("in it: sigma upper bound (float64, 6 squarings, no grad)", Timing.MedianMs(p.SpectralBoundCheck, budget), 2));
            rows.Add(new ProfileRow("in it: Bjorck 15 iterations, forward+backward", Timing.MedianMs(() => p.BjorckBackward(15), budget), 2));
            rows.Add(new ProfileRow("in it: Bjorck 15 iterations, forward only", Timing.MedianMs(() => p.Bjorck(15), budget), 2));
            rows.Add(new ProfileRow("in it: contraction guard (Gram residual + host sync)", Timing.MedianMs(p.Guard, budget), 2));
        }
        var frobenius = network.layers.Select(l => l.module).OfType<Modules.FrobeniusLinear>().Single();
        double frob = Timing.MedianMs(() => frobenius.effective_weight().sum().backward(), budget);
        constraints += frob;
        rows.Add(new ProfileRow("FrobeniusLinear 32->1: effective weight forward+backward", frob, 1));
        rows.Add(new ProfileRow("all weight constraints (sum of the above)", constraints, 1));
        rows.Add(new ProfileRow("rest of the step = full - constraints (batch, layer matmuls, FullSort, loss, Adam)", step - constraints, 1));
        rows.AddRange(RestOfStep(data, network, budget));
        return rows;
    }

    private static IEnumerable<ProfileRow> RestOfStep(SyntheticMnist data, Modules.Sequential network, TimeSpan budget)
    {
        using (var plain = Networks.Plain())
        using (var plainLoop = new TrainingLoop(plain, data))
        {
            plainLoop.Run(20);
            yield return new ProfileRow("for comparison: a whole plain training step, same shapes", Timing.MedianMs(plainLoop.Step, budget), 1);
        }
        var labels = data.Labels.narrow(0, 0, TrainingLoop.BatchSize);
        yield return new ProfileRow("hkr_loss forward+backward on 128 outputs (label check = host sync)", Timing.MedianMs(() =>
        {
            var f = torch.randn(TrainingLoop.BatchSize, 1, requires_grad: true);
            torchlip.functional.hkr_loss(f, labels, TrainingLoop.Alpha, TrainingLoop.MinMargin).backward();
        }, budget), 1);
        yield return new ProfileRow("FullSort 128x128 forward+backward", Timing.MedianMs(() =>
        {
            var x = torch.randn(TrainingLoop.BatchSize, 128, requires_grad: true);
            torchlip.functional.full_sort(x).backward(new[] { torch.ones(TrainingLoop.BatchSize, 128) });
        }, budget), 1);
        using var adam = optim.Adam(network.parameters(), lr: 0);
        using (torch.no_grad())
            foreach (var p in network.parameters()) p.grad = torch.zeros_like(p).DetachFromDisposeScope();
        yield return new ProfileRow("Adam step over the Lipschitz network's parameters", Timing.MedianMs(() => adam.step(), budget), 1);
        using var one = torch.ones(1);
        yield return new ProfileRow("one tiny tensor op (1-element add): the per-op overhead", Timing.MedianMs(() =>
        {
            for (int i = 0; i < 1000; i++) one.add(one);
        }, budget) / 1000, 1);
    }
}
