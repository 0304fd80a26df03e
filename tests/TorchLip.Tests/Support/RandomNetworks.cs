using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Modules;
using TorchSharp;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>
/// Randomly drawn dense TorchLip networks and the hard training an adversary would give them: every layer option,
/// every activation, widths 1–300, large learning rates, objectives that push the Lipschitz ratio up, and raw weights
/// set to ill-conditioned, nearly rank-deficient or duplicated-row matrices.
/// </summary>
public static class RandomNetworks
{
    /// <summary>A drawn network and how to train it; <see cref="Description"/> says everything drawn.</summary>
    public sealed record Draw(Sequential Model, long Inputs, double InputScale, int Steps, double LearningRate, bool Adversarial,
        string? Corruption, int CorruptAtStep, string Description);

    private static readonly double[] NetworkKs = { 0.5, 1, 2, 3.7 };

    /// <summary>Draws network number <paramref name="seed"/> (the same seed gives the same network and training).</summary>
    public static Draw Network(int seed)
    {
        var rng = new Random(seed);
        var parts = new List<string>();
        long inputs = Width(rng), width = inputs;
        bool wide = false;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int depth = rng.Next(0, 3);
        for (int i = 0; i < depth; i++)
        {
            long next = rng.NextDouble() < 0.3 ? width : Width(rng);
            layers.Add(WeightLayer(rng, width, next, parts));
            var (activation, outWidth) = Activation(rng, next, parts);
            layers.Add(activation);
            wide |= Math.Max(width, next) > 160;
            width = outWidth;
        }
        long outputs = rng.NextDouble() < 0.5 ? 1 : rng.Next(2, 11);
        layers.Add(rng.NextDouble() < 0.6 ? WeightLayer(rng, width, outputs, parts, allowFrobenius: false)
            : Frobenius(rng, width, outputs, parts));
        wide |= width > 160;
        double k = NetworkKs[rng.Next(NetworkKs.Length)];
        var model = new Sequential(layers, k);

        double scale = Math.Pow(10, rng.NextDouble() * 2 - 1);
        int steps = rng.Next(1, wide ? 61 : 201);
        double lr = Math.Pow(10, -3 + 3 * rng.NextDouble());
        bool adversarial = rng.NextDouble() < 0.5;
        string? corruption = rng.NextDouble() < 0.35 ? new[] { "ill-conditioned", "near-duplicate rows", "duplicate rows", "rank one", "huge", "tiny" }[rng.Next(6)] : null;
        int corruptAt = corruption is null ? -1 : rng.Next(0, steps + 1);
        string description = $"Sequential(k_coef_lip={k}; {string.Join(", ", parts)}), inputs {inputs} scaled {scale:G3}, " +
            $"{steps} Adam steps at lr {lr:G3} on {(adversarial ? "the pair-ratio objective" : "random targets")}" +
            (corruption is null ? "" : $", raw weight of one layer set {corruption} at step {corruptAt}");
        return new Draw(model, inputs, scale, steps, lr, adversarial, corruption, corruptAt, description);
    }

    private static long Width(Random rng)
    {
        double u = rng.NextDouble();
        return u < 0.7 ? rng.Next(1, 49) : u < 0.9 ? rng.Next(49, 161) : rng.Next(161, 301);
    }

    private static nn.Module<Tensor, Tensor> WeightLayer(Random rng, long input, long output, List<string> parts, bool allowFrobenius = true)
    {
        if (allowFrobenius && rng.NextDouble() < 0.12) return Frobenius(rng, input, output, parts);
        bool bias = rng.NextDouble() < 0.8, warm = rng.NextDouble() < 0.75;
        double k = rng.NextDouble() < 0.8 ? 1.0 : Math.Round(0.3 + 2.7 * rng.NextDouble(), 2);
        int niterBjorck = rng.NextDouble() < 0.6 ? 15 : new[] { 1, 2, 3, 6, 25 }[rng.Next(5)];
        int niterSpectral = rng.Next(0, 4);
        double beta = rng.NextDouble() < 0.7 ? 0.5 : new[] { 0.3, 0.8 }[rng.Next(2)];
        double? eps = !warm && rng.NextDouble() < 0.4 ? 1e-3 : null;
        parts.Add($"SpectralLinear({input}, {output}, bias={bias}, k={k}, warm_start={warm}, niter_bjorck={niterBjorck}, niter_spectral={(warm ? "-" : niterSpectral)}, beta={beta}, eps_bjorck={eps?.ToString() ?? "null"})");
        return SpectralLinear(input, output, bias, k, warm ? null : niterSpectral, niterBjorck, eps, beta_bjorck: beta, warm_start: warm);
    }

    internal static nn.Module<Tensor, Tensor> Frobenius(Random rng, long input, long output, List<string> parts)
    {
        bool disjoint = rng.NextDouble() < 0.5, bias = rng.NextDouble() < 0.8;
        double k = rng.NextDouble() < 0.8 ? 1.0 : Math.Round(0.3 + 2.7 * rng.NextDouble(), 2);
        parts.Add($"FrobeniusLinear({input}, {output}, bias={bias}, disjoint={disjoint}, k={k})");
        return FrobeniusLinear(input, output, bias, disjoint, k);
    }

    /// <summary>An activation along dimension 1; MaxMin (which doubles the width) only up to <paramref name="maxMinUpTo"/> channels.</summary>
    internal static (nn.Module<Tensor, Tensor>, long) Activation(Random rng, long width, List<string> parts, long maxMinUpTo = long.MaxValue)
    {
        double k = rng.NextDouble() < 0.85 ? 1.0 : Math.Round(0.5 + 2 * rng.NextDouble(), 2);
        switch (rng.Next(5))
        {
            case 0:
                parts.Add($"FullSort(k={k})");
                return (FullSort(k), width);
            case 1 when width % 2 == 0:
                parts.Add($"GroupSort2(k={k})");
                return (GroupSort2(k), width);
            case 2:
                var divisors = Enumerable.Range(1, (int)width).Where(d => width % d == 0).ToArray();
                int g = divisors[rng.Next(divisors.Length)];
                parts.Add($"GroupSort({g}, k={k})");
                return (GroupSort(g, k), width);
            case 3 when width <= maxMinUpTo:
                parts.Add($"MaxMin(k={k})");
                return (MaxMin(k_coef_lip: k), 2 * width);
            default:
                int slopes = rng.NextDouble() < 0.5 ? 1 : (int)width;
                double init = -1.5 + 3 * rng.NextDouble();
                parts.Add($"LPReLU({slopes}, init={init:G3}, k={k})");
                return (LPReLU(slopes, init, k), width);
        }
    }

    /// <summary>
    /// Trains the drawn network as drawn: Adam at the drawn learning rate on random targets or on −(‖f(x) − f(y)‖/‖x − y‖)²
    /// for random pairs (which drives the weights towards their largest possible Lipschitz ratio), corrupting one
    /// weight layer's raw weight at the drawn step.
    /// </summary>
    public static void Train(Draw draw, int seed)
    {
        var model = draw.Model;
        model.train();
        using var generator = new Generator((ulong)seed + 7);
        var rng = new Random(seed + 11);
        using var optimizer = torchlip.Adam(model.parameters(), lr: draw.LearningRate);
        for (int step = 0; step <= draw.Steps; step++)
        {
            if (step == draw.CorruptAtStep) Corrupt(model, draw.Corruption!, rng, generator);
            if (step == draw.Steps) break;
            using var scope = NewDisposeScope();
            var x = randn(32, draw.Inputs, generator: generator) * (draw.InputScale / Math.Sqrt(draw.Inputs));
            Tensor loss;
            if (draw.Adversarial)
            {
                var y = x + randn(32, draw.Inputs, generator: generator) * (draw.InputScale / Math.Sqrt(draw.Inputs)) * (rng.NextDouble() < 0.5 ? 1e-2 : 1);
                var f = model.call(cat(new[] { x, y })).reshape(64, -1);
                loss = -((f[..32] - f[32..]).square().sum(1) / (x - y).square().sum(1)).mean();
            }
            else
            {
                var f = model.call(x);
                loss = (f - randn(f.shape, generator: generator) * 3).square().mean();
            }
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
    }

    /// <summary>Sets one weight layer's raw weight to a hostile matrix.</summary>
    public static void Corrupt(Sequential model, string kind, Random rng, Generator generator)
    {
        var candidates = model.layers.Select(l => l.module).OfType<ConstrainedLinear>().ToList();
        var layer = candidates[rng.Next(candidates.Count)];
        Corrupt(layer, kind, generator);
    }

    /// <summary>Sets <paramref name="layer"/>'s raw weight to a hostile matrix of the given kind.</summary>
    public static void Corrupt(ConstrainedLinear layer, string kind, Generator generator)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var w = layer.raw_weight;
        long rows = w.size(0), cols = w.size(1), rank = Math.Min(rows, cols);
        switch (kind)
        {
            case "ill-conditioned":
            {
                var (u, _) = linalg.qr(randn(rows, rank, dtype: ScalarType.Float64, generator: generator));
                var (v, _) = linalg.qr(randn(cols, rank, dtype: ScalarType.Float64, generator: generator));
                double kappa = Math.Pow(10, 2 + 4 * rand(1, generator: generator).item<float>());
                var s = logspace(0, -Math.Log10(kappa), rank, dtype: ScalarType.Float64);
                w.copy_((u * s).mm(v.t()));
                break;
            }
            case "near-duplicate rows":
            case "duplicate rows":
                if (rows < 2) goto case "rank one";
                w.copy_(randn(rows, cols, generator: generator));
                w[1].copy_(w[0] + (kind == "duplicate rows" ? 0 : 1e-6) * randn(cols, generator: generator));
                break;
            case "rank one":
                w.copy_(randn(rows, 1, generator: generator).mm(randn(1, cols, generator: generator)));
                break;
            case "huge":
                w.mul_(1e6);
                break;
            case "tiny":
                w.mul_(1e-6);
                break;
            default:
                throw new ArgumentException($"unknown corruption {kind}");
        }
    }
}
