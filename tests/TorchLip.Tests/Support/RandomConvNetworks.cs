using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Modules;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>
/// Randomly drawn convolutional TorchLip networks and the hard training an adversary would give them: 1–3 convolutions
/// of every type (SpectralConv2d, FrobeniusConv2d, SpectralConvTranspose2d, SpectralConv1d) with random kernel, stride,
/// padding, padding mode, dilation, groups and k, activations along the channels, Flatten and a dense head, on small
/// inputs; Adam at learning rates up to 1 on random targets or on the pair-ratio objective; raw kernels set hostile.
/// </summary>
public static class RandomConvNetworks
{
    /// <summary>A drawn network; <see cref="InputShape"/> is one sample's (C, *spatial).</summary>
    public sealed record Draw(Sequential Model, long[] InputShape, double InputScale, int Steps, double LearningRate, bool Adversarial,
        string? Corruption, int CorruptAtStep, string Description);

    /// <summary>The padding modes.</summary>
    public static readonly string[] Modes = { "zeros", "reflect", "replicate", "circular", "symmetric" };

    /// <summary>The hostile raw weights.</summary>
    public static readonly string[] Corruptions = { "ill-conditioned", "rank one", "huge", "tiny" };

    private static readonly double[] NetworkKs = { 0.5, 1, 2, 3.7 };

    /// <summary>Draws network number <paramref name="seed"/> (the same seed gives the same network and training).</summary>
    public static Draw Network(int seed)
    {
        var rng = new Random(seed);
        var parts = new List<string>();
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int dims = rng.NextDouble() < 0.2 ? 1 : 2;
        long channels = rng.Next(1, 4);
        long[] spatial = dims == 1 ? new long[] { rng.Next(6, 17) } : new long[] { rng.Next(6, 13), rng.Next(6, 13) };
        var inputShape = new[] { channels }.Concat(spatial).ToArray();
        int convs = rng.Next(1, 4);
        for (int i = 0; i < convs; i++)
        {
            var conv = Conv(rng, dims, channels, spatial, parts);
            if (conv is null) break;
            layers.Add(conv);
            channels = conv.out_channels;
            spatial = conv.conv_operator.OutputSize(spatial);
            if (rng.NextDouble() < 0.8)
            {
                var (activation, c) = RandomNetworks.Activation(rng, channels, parts, maxMinUpTo: 4);
                layers.Add(activation);
                channels = c;
            }
            if (dims == 2 && rng.NextDouble() < (i == convs - 1 ? 0.45 : 0.2) && Pool(rng, ref channels, ref spatial, parts) is { } pool)
                layers.Add(pool);
        }
        layers.Add(nn.Flatten());
        parts.Add("Flatten");
        long width = channels * spatial.Aggregate(1L, (p, s) => p * s);
        if (rng.NextDouble() < 0.35)
        {
            long hidden = rng.Next(1, 17);
            layers.Add(Spectral(rng, width, hidden, parts));
            var (activation, w) = RandomNetworks.Activation(rng, hidden, parts, maxMinUpTo: 4);
            layers.Add(activation);
            width = w;
        }
        long outputs = rng.NextDouble() < 0.5 ? 1 : rng.Next(2, 6);
        layers.Add(rng.NextDouble() < 0.6 ? Spectral(rng, width, outputs, parts) : RandomNetworks.Frobenius(rng, width, outputs, parts));
        double k = NetworkKs[rng.Next(NetworkKs.Length)];
        var model = Quietly(() => new Sequential(layers, k));

        double scale = Math.Pow(10, rng.NextDouble() * 2 - 1);
        int steps = rng.Next(1, 41);
        double lr = Math.Pow(10, -3 + 3 * rng.NextDouble());
        bool adversarial = rng.NextDouble() < 0.5;
        string? corruption = rng.NextDouble() < 0.35 ? Corruptions[rng.Next(Corruptions.Length)] : null;
        int corruptAt = corruption is null ? -1 : rng.Next(0, steps + 1);
        string description = $"Sequential(k_coef_lip={k}; {string.Join(", ", parts)}) on ({string.Join(", ", inputShape)}) scaled {scale:G3}, " +
            $"{steps} Adam steps at lr {lr:G3} on {(adversarial ? "the pair-ratio objective" : "random targets")}" +
            (corruption is null ? "" : $", raw weight of one layer set {corruption} at step {corruptAt}");
        return new Draw(model, inputShape, scale, steps, lr, adversarial, corruption, corruptAt, description);
    }

    /// <summary>Runs <paramref name="make"/> with TorchLip's warnings silenced (a Sequential warns about Flatten).</summary>
    public static T Quietly<T>(Func<T> make)
    {
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try { return make(); }
        finally { Warnings.Handler = previous; }
    }

    // A convolution accepting (channels, *spatial) whose output keeps the next stage's exact norm cheap, or null when
    // no draw fits.
    private static ConstrainedConv? Conv(Random rng, int dims, long channels, long[] spatial, List<string> parts)
    {
        for (int attempt = 0; attempt < 60; attempt++)
        {
            int type = dims == 1 ? 3 : rng.Next(3);
            long kernel = rng.Next(1, 6), stride = rng.NextDouble() < 0.6 ? 1 : rng.Next(2, 4), dilation = rng.NextDouble() < 0.25 ? 2 : 1;
            long pad = rng.Next(0, (int)kernel + 1);
            string mode = type == 2 ? "zeros" : Modes[rng.Next(Modes.Length)];
            long groups = new long[] { 1, 1, 1, 2, 3 }[rng.Next(5)];
            long cout = rng.Next(1, 7) * (groups == 1 ? 1 : groups);
            if (channels % groups != 0 || cout > 8) continue;
            double k = rng.NextDouble() < 0.7 ? 1.0 : Math.Round(0.3 + 2.7 * rng.NextDouble(), 2);
            bool warm = rng.NextDouble() < 0.7, bias = rng.NextDouble() < 0.75;
            ConstrainedConv layer;
            string text;
            try
            {
                switch (type)
                {
                    case 0:
                        layer = SpectralConv2d(channels, cout, kernel, stride, pad, dilation, groups, bias, mode, k, warm);
                        text = $"SpectralConv2d warm_start={warm}";
                        break;
                    case 1:
                        layer = FrobeniusConv2d(channels, cout, kernel, stride, pad, dilation, groups, bias, mode, k);
                        text = "FrobeniusConv2d";
                        break;
                    case 2:
                        pad = Math.Min(pad, kernel - 1);
                        long outputPadding = stride > 1 ? rng.Next(0, (int)stride) : 0;
                        layer = SpectralConvTranspose2d(channels, cout, kernel, stride, pad, outputPadding, groups, bias, 1, "zeros", k, warm);
                        text = $"SpectralConvTranspose2d warm_start={warm}";
                        break;
                    default:
                        layer = SpectralConv1d(channels, cout, kernel, stride, pad, dilation, groups, bias, mode, k, warm);
                        text = $"SpectralConv1d warm_start={warm}";
                        break;
                }
            }
            catch (ArgumentException) { continue; }
            bool fits;
            try
            {
                layer.conv_operator.CheckSpatial(spatial, "draw");
                var output = layer.conv_operator.OutputSize(spatial);
                long size = cout * output.Aggregate(1L, (p, s) => p * s);
                // The next stage's exact norm (and this one's) needs a small matrix.
                fits = output.All(s => s >= 1) && size <= 1200 && size >= 1;
            }
            catch (ArgumentException) { fits = false; }
            if (!fits)
            {
                layer.Dispose();
                continue;
            }
            parts.Add($"{layer} [{text}]");
            return layer;
        }
        return null;
    }

    // A pooling or sampling layer that accepts (channels, *spatial), with the shape it gives; null when the drawn one does not.
    private static nn.Module<Tensor, Tensor>? Pool(Random rng, ref long channels, ref long[] spatial, List<string> parts)
    {
        double k = rng.NextDouble() < 0.7 ? 1.0 : Math.Round(0.5 + 2 * rng.NextDouble(), 2);
        long kh = rng.Next(1, 4), kw = rng.NextDouble() < 0.7 ? kh : rng.Next(1, 4);
        bool ceil = rng.NextDouble() < 0.3;
        nn.Module<Tensor, Tensor> pool;
        try
        {
            pool = rng.Next(6) switch
            {
                0 => ScaledL2NormPool2d((kh, kw), ceil_mode: ceil, k_coef_lip: k),
                1 => ScaledAvgPool2d((kh, kw), ceil_mode: ceil, k_coef_lip: k),
                2 => ScaledAdaptiveAvgPool2d(k_coef_lip: k),
                3 => ScaledAdaptativeL2NormPool2d(k_coef_lip: k),
                4 => InvertibleDownSampling(rng.Next(2, 4), k),
                _ => InvertibleUpSampling(2, k),
            };
        }
        catch (ArgumentException) { return null; }
        long[] shape;
        try
        {
            using var noGrad = no_grad();
            using var probe = zeros(new long[] { 1, channels }.Concat(spatial).ToArray());
            using var output = pool.call(probe);
            shape = output.shape;
        }
        catch (Exception e) when (e is ArgumentException or ExternalException or InvalidOperationException)
        {
            pool.Dispose();
            return null;
        }
        long size = shape.Skip(1).Aggregate(1L, (p, v) => p * v);
        if (size > 1200 || size < 1)
        {
            pool.Dispose();
            return null;
        }
        channels = shape[1];
        spatial = shape.Skip(2).ToArray();
        parts.Add($"{LipschitzBounds.Describe(pool)}");
        return pool;
    }

    private static nn.Module<Tensor, Tensor> Spectral(Random rng, long input, long output, List<string> parts)
    {
        bool bias = rng.NextDouble() < 0.8, warm = rng.NextDouble() < 0.75;
        double k = rng.NextDouble() < 0.8 ? 1.0 : Math.Round(0.3 + 2.7 * rng.NextDouble(), 2);
        parts.Add($"SpectralLinear({input}, {output}, bias={bias}, k={k}, warm_start={warm})");
        return SpectralLinear(input, output, bias, k, warm ? null : rng.Next(0, 4), 15, null, warm_start: warm);
    }

    /// <summary>
    /// Trains the drawn network as drawn: Adam on random targets or on −(‖f(x) − f(y)‖/‖x − y‖)² for random pairs,
    /// corrupting one constrained layer's raw weight at the drawn step.
    /// </summary>
    public static void Train(Draw draw, int seed) =>
        Train(draw.Model, draw.InputShape, draw.InputScale, draw.Steps, draw.LearningRate, draw.Adversarial, draw.Corruption, draw.CorruptAtStep, seed);

    /// <summary>Hard training of any network on inputs of one sample's shape <paramref name="inputShape"/>.</summary>
    public static void Train(Sequential model, long[] inputShape, double scale, int steps, double lr, bool adversarial, string? corruption, int corruptAt, int seed)
    {
        model.train();
        using var generator = new Generator((ulong)seed + 7);
        var rng = new Random(seed + 11);
        using var optimizer = torchlip.Adam(model.parameters(), lr: lr);
        long size = inputShape.Aggregate(1L, (p, s) => p * s);
        var shape = new long[] { 32 }.Concat(inputShape).ToArray();
        for (int step = 0; step <= steps; step++)
        {
            if (step == corruptAt) Corrupt(model, corruption!, rng, generator);
            if (step == steps) break;
            using var scope = NewDisposeScope();
            var x = randn(shape, generator: generator) * (scale / Math.Sqrt(size));
            Tensor loss;
            if (adversarial)
            {
                var y = x + randn(shape, generator: generator) * (scale / Math.Sqrt(size)) * (rng.NextDouble() < 0.5 ? 1e-2 : 1);
                var f = model.call(cat(new[] { x, y })).reshape(64, -1);
                loss = -((f[..32] - f[32..]).square().sum(1) / (x - y).flatten(1).square().sum(1)).mean();
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

    /// <summary>Sets one constrained layer's raw weight to a hostile one.</summary>
    public static void Corrupt(Sequential model, string kind, Random rng, Generator generator)
    {
        var candidates = model.layers.Select(l => l.module).OfType<ConstrainedModule>().ToList();
        Corrupt(candidates[rng.Next(candidates.Count)], kind, generator);
    }

    /// <summary>Sets <paramref name="layer"/>'s raw weight, viewed as (shape[0], −1), to a hostile matrix of the given kind.</summary>
    public static void Corrupt(ConstrainedModule layer, string kind, Generator generator, double? kappa = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var raw = layer.raw_weight;
        long rows = raw.size(0), cols = raw.numel() / rows, rank = Math.Min(rows, cols);
        Tensor w;
        switch (kind)
        {
            case "ill-conditioned":
            {
                var (u, _) = linalg.qr(randn(rows, rank, dtype: ScalarType.Float64, generator: generator));
                var (v, _) = linalg.qr(randn(cols, rank, dtype: ScalarType.Float64, generator: generator));
                double condition = kappa ?? Math.Pow(10, 2 + 4 * rand(1, generator: generator).item<float>());
                var s = logspace(0, -Math.Log10(condition), rank, dtype: ScalarType.Float64);
                w = (u * s).mm(v.t());
                break;
            }
            case "rank one":
                w = randn(rows, 1, generator: generator).mm(randn(1, cols, generator: generator));
                break;
            case "huge":
                w = raw.reshape(rows, cols) * 1e6;
                break;
            case "tiny":
                w = raw.reshape(rows, cols) * 1e-6;
                break;
            default:
                throw new ArgumentException($"unknown corruption {kind}");
        }
        raw.copy_(w.reshape(raw.shape).to_type(raw.dtype));
    }
}
