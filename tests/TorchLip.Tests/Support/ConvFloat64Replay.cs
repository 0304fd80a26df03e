using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Constraints;
using TorchLip.Modules;
using TorchLip.Operators;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>
/// A convolutional network (convolutions, activations, pooling, Flatten, dense layers) replayed in float64 from the
/// weights it applies: each constrained convolution becomes <c>conv_operator.Apply(x, w64, b64)</c>, each constrained
/// dense layer x·Wᵀ + b, with w64 the exact float64 value of what the layer applies in the chosen mode; parameter-free
/// modules run on the float64 values themselves; the export is the plain modules' own forward on a float64 copy.
/// </summary>
public sealed class ConvFloat64Replay
{
    /// <summary>
    /// One stage of the replay. For weight stages: the applied weight (float64), the bound the stage's map must respect
    /// on its actual input (<see cref="SizeBound"/>, from the layer's <c>lipschitz_bound_for</c> for a convolution) and
    /// the one each output row of a dense weight must respect.
    /// </summary>
    public sealed record Stage(string Name, Func<Tensor, Tensor> Apply, Tensor? Weight, bool IsConv, ConstrainedModule? Layer,
        double Bound, double RowBound);

    private ConvFloat64Replay(List<Stage> stages, long[] inputShape)
    {
        Stages = stages;
        InputShape = inputShape;
    }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>One sample's shape (C, *spatial).</summary>
    public long[] InputShape { get; }

    /// <summary>Number of input values of one sample.</summary>
    public long InputSize => InputShape.Aggregate(1L, (p, s) => p * s);

    /// <summary>Runs the replay on a float64 input (N, C, *spatial).</summary>
    public Tensor Call(Tensor x) => Stages.Aggregate(x, (h, s) => s.Apply(h));

    /// <summary>The replay on flattened inputs: (N, C·H·W) ↦ (N, outputs), what the ascent attacks.</summary>
    public Tensor CallFlat(Tensor x) => Call(x.reshape(new[] { x.size(0) }.Concat(InputShape).ToArray())).flatten(1);

    /// <summary>
    /// The train-mode replay: runs one train-mode forward of <paramref name="model"/> on <paramref name="batch"/> (which
    /// advances its state, as training does) and captures the weight each constrained layer applied in it: the layer's own
    /// <c>effective_weight()</c> computed from the state the forward started from (a warm start reads its preconditioner
    /// before advancing it) or ended with (a power iteration advances u, v first, then applies them), checked against the
    /// layer's own output of that forward so that the replay is what the forward applied.
    /// </summary>
    public static ConvFloat64Replay Train(Sequential model, Tensor batch)
    {
        model.train();
        var constrained = model.layers.Select(l => l.module).OfType<ConstrainedModule>().ToList();
        var before = constrained.ToDictionary(m => m, Snapshot);
        var inputs = new Dictionary<nn.Module, Tensor>();
        var outputs = new Dictionary<nn.Module, Tensor>();
        var hooks = constrained.Select(m => m.register_forward_hook((module, input, output) =>
        {
            inputs[module] = input.detach().clone();
            outputs[module] = output.detach().clone();
            return output;
        })).ToList();
        using (no_grad()) model.call(batch);
        foreach (var hook in hooks) hook.remove();

        var weights = new Dictionary<ConstrainedModule, Tensor>();
        foreach (var layer in constrained)
        {
            var after = Snapshot(layer);
            bool warm = layer.constraint.Stages.Any(s => s is WarmBjorckOrthonormalization);
            Tensor w;
            using (no_grad())
            {
                if (warm) Restore(layer, before[layer]);
                w = layer.effective_weight().detach().to_type(ScalarType.Float64).clone();
                Restore(layer, after);
            }
            var expected = outputs[layer].to_type(ScalarType.Float64);
            var replayed = WeightStage(layer, w)(inputs[layer].to_type(ScalarType.Float64));
            double scale = expected.abs().max().item<double>() + 1e-30;
            double gap = (replayed - expected).abs().max().item<double>();
            Assert.True(gap <= 1e-4 * scale,
                $"{layer}: the replayed train-mode map differs from the layer's own output by {gap:G3} (output scale {scale:G3}); the replay is not what the forward applied");
            weights[layer] = w;
        }
        return Build(model, batch.shape.Skip(1).ToArray(), layer => weights[layer]);
    }

    /// <summary>The eval-mode replay (cached effective weights).</summary>
    public static ConvFloat64Replay Eval(Sequential model, long[] inputShape)
    {
        model.eval();
        return Build(model, inputShape, layer => layer.effective_weight().detach().to_type(ScalarType.Float64).clone());
    }

    /// <summary>
    /// The replay of a <see cref="Sequential.vanilla_export"/>: <paramref name="exported64"/> must be an export moved to
    /// float64 (<c>.to(ScalarType.Float64)</c> on a copy of its own); each child runs its own forward. Bounds come from the
    /// source's layers, by name.
    /// </summary>
    public static ConvFloat64Replay Export(nn.Module<Tensor, Tensor> exported64, Sequential source, long[] inputShape)
    {
        var byName = source.layers.ToDictionary(l => l.name, l => l.module);
        var stages = new List<Stage>();
        foreach (var (name, child) in exported64.named_children())
        {
            var module = (nn.Module<Tensor, Tensor>)child;
            var origin = byName[name];
            var applied = LipschitzBounds.AppliedWeight(module);
            if (origin is ConstrainedModule layer && applied is { } a)
            {
                var w = a.Matrix.detach().to_type(ScalarType.Float64);
                Assert.Equal(ScalarType.Float64, w.dtype);
                stages.Add(new Stage(name, module.call, w, layer is ConstrainedConv, layer, layer.lipschitz_constant, layer.output_lipschitz_constant));
            }
            else
            {
                Assert.True(origin is not ConstrainedModule, $"layer {name}: the export of {origin} applies no weight");
                stages.Add(new Stage(name, ParameterFree(module), null, false, null, LipschitzBounds.Map(origin), LipschitzBounds.Output(origin)));
            }
        }
        return new ConvFloat64Replay(stages, inputShape);
    }

    /// <summary>
    /// Every weight stage's own bound on the input it actually receives: a convolution's exact operator norm (float64
    /// SVD of its matrix on that input size) ≤ <c>lipschitz_bound_for(size)</c>·(1 + 1e-5) ≤ its claim·(1 + 1e-5)²; a
    /// dense weight's σ_max and row norms within its bounds. Returns the failures (empty when sound).
    /// </summary>
    public List<string> StageFailures(double slack)
    {
        var failures = new List<string>();
        using var scope = NewDisposeScope();
        var h = zeros(new long[] { 1 }.Concat(InputShape).ToArray(), dtype: ScalarType.Float64);
        foreach (var stage in Stages)
        {
            if (stage.Weight is not null && stage.IsConv)
            {
                var conv = (ConstrainedConv)stage.Layer!;
                var spatial = h.shape.Skip(2).ToArray();
                long channels = h.size(1);
                double bound = conv.lipschitz_bound_for(spatial);
                if (!(bound <= conv.lipschitz_constant * slack))
                    failures.Add($"layer {stage.Name} {conv}: lipschitz_bound_for({string.Join("x", spatial)}) = {bound:R} > its claim {conv.lipschitz_constant:R}·(1 + 1e-5)");
                double exact = ExactNorm(stage, channels, spatial);
                if (!(exact <= bound * slack))
                    failures.Add($"layer {stage.Name} {conv}: exact operator norm on {channels}x{string.Join("x", spatial)} is {exact:R} > lipschitz_bound_for = {bound:R}·(1 + 1e-5) (ratio {exact / bound:R})");
            }
            else if (stage.Weight is not null)
            {
                var matrix = stage.Weight.reshape(stage.Weight.size(0), -1);
                double sigma = linalg.svdvals(matrix).max().item<double>();
                if (!(sigma <= stage.Bound * slack))
                    failures.Add($"layer {stage.Name} {stage.Layer}: σ_max = {sigma:R} > {stage.Bound:R}·(1 + 1e-5)");
                double row = matrix.norm(1, false, 2.0f).max().item<double>();
                if (!(row <= stage.RowBound * slack))
                    failures.Add($"layer {stage.Name} {stage.Layer}: a row of norm {row:R} > {stage.RowBound:R}·(1 + 1e-5)");
            }
            h = stage.Apply(h);
        }
        return failures;
    }

    // The exact norm of a convolution stage on an input of (channels, *spatial): ConvOperator.ExactNorm on the replayed
    // weight, and the SVD of the stage's own map (impulses minus the bias) — which, for the export, is the plain module.
    private static double ExactNorm(Stage stage, long channels, long[] spatial)
    {
        var conv = (ConstrainedConv)stage.Layer!;
        long n = channels * spatial.Aggregate(1L, (p, s) => p * s);
        Assert.True(n <= 4096, $"layer {stage.Name}: input of {n} values, too large for the exact norm (the drawer keeps inputs small)");
        double byOperator = conv.conv_operator.ExactNorm(stage.Weight!, channels, spatial);
        var shape = new[] { n, channels }.Concat(spatial).ToArray();
        using (no_grad())
        {
            var impulses = eye(n, dtype: ScalarType.Float64).reshape(shape);
            var origin = stage.Apply(zeros(new long[] { 1, channels }.Concat(spatial).ToArray(), dtype: ScalarType.Float64));
            var matrix = (stage.Apply(impulses) - origin).reshape(n, -1);
            double byStage = linalg.svdvals(matrix).max().item<double>();
            return Math.Max(byOperator, byStage);
        }
    }

    private static ConvFloat64Replay Build(Sequential model, long[] inputShape, Func<ConstrainedModule, Tensor> weightOf)
    {
        var stages = new List<Stage>();
        foreach (var (name, module) in model.layers)
        {
            if (module is ConstrainedModule layer)
            {
                var w = weightOf(layer);
                stages.Add(new Stage(name, WeightStage(layer, w), w, layer is ConstrainedConv, layer, layer.lipschitz_constant, layer.output_lipschitz_constant));
            }
            else stages.Add(new Stage(name, ParameterFree(module), null, false, null, LipschitzBounds.Map(module), LipschitzBounds.Output(module)));
        }
        return new ConvFloat64Replay(stages, inputShape);
    }

    private static Func<Tensor, Tensor> WeightStage(ConstrainedModule layer, Tensor w)
    {
        var b = layer.bias_parameter?.detach().to_type(ScalarType.Float64).clone();
        return layer switch
        {
            ConstrainedConv conv => x => conv.conv_operator.Apply(x, w, b),
            ConstrainedLinear => x => nn.functional.linear(x, w, b),
            _ => throw new NotSupportedException($"{layer}: no float64 replay for this layer type"),
        };
    }

    private static Func<Tensor, Tensor> ParameterFree(nn.Module<Tensor, Tensor> module) => module switch
    {
        LPReLU p => x => torchlip.lipschitz_prelu(x, p.slopes.detach().to_type(ScalarType.Float64), p.scale_factor),
        TorchSharp.Modules.Flatten => x => x.reshape(x.size(0), -1),
        _ when !module.parameters().Any() && !module.buffers().Any(p => p.is_floating_point()) => module.call,
        _ => throw new NotSupportedException($"{module.GetName()}: a module with floating-point state has no float64 replay here"),
    };

    private static List<(string name, Tensor value)> Snapshot(ConstrainedModule layer) =>
        layer.named_buffers().Select(b => (b.name, b.buffer.detach().clone())).ToList();

    private static void Restore(ConstrainedModule layer, List<(string name, Tensor value)> state)
    {
        var buffers = layer.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        using (no_grad())
            foreach (var (name, value) in state) buffers[name].copy_(value);
    }
}
