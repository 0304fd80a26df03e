using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Modules;
using TorchLip.Normalizers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>
/// A network replayed in float64 from the weights it applies: each weight layer becomes x·Wᵀ + b with W the exact
/// float64 value of what the layer applies in the chosen mode, each activation the same function on float64 values.
/// What an adversary attacks: it has no rounding of its own to hide behind.
/// </summary>
public sealed class Float64Replay
{
    /// <summary>
    /// One stage of the replay and, for weight layers, the applied weight, the constant its map must respect and the one
    /// each of its rows (outputs) must respect.
    /// </summary>
    public sealed record Stage(string Name, Func<Tensor, Tensor> Apply, Tensor? Weight, double Bound, double RowBound);

    private Float64Replay(List<Stage> stages) => Stages = stages;

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>Runs the replay on a float64 input.</summary>
    public Tensor Call(Tensor x) => Stages.Aggregate(x, (h, s) => s.Apply(h));

    /// <summary>
    /// The train-mode replay: runs one train-mode forward of <paramref name="model"/> on <paramref name="batch"/> (which
    /// advances its state, as training does) and captures the map each layer applied in it. A warm-started layer's map
    /// is recomputed from the preconditioner it started from (the computation is deterministic) and checked against the
    /// layer's own output, so that the replay is what the forward applied and not a re-implementation of it.
    /// </summary>
    public static Float64Replay Train(Sequential model, Tensor batch)
    {
        model.train();
        var starts = new Dictionary<SpectralLinear, Tensor>();
        foreach (var (_, m) in model.named_modules())
            if (m is SpectralLinear s && s.warm_start) starts[s] = s.preconditioner_matrix.clone();
        var inputs = new Dictionary<nn.Module, Tensor>();
        var outputs = new Dictionary<nn.Module, Tensor>();
        var hooks = model.layers.Where(l => l.module is SpectralLinear).Select(l => (l.module, l.module.register_forward_hook((module, input, output) =>
        {
            inputs[module] = input.detach().clone();
            outputs[module] = output.detach().clone();
            return output;
        }))).ToList();
        using (no_grad()) model.call(batch);
        foreach (var (_, hook) in hooks) hook.remove();

        return Build(model.layers, layer =>
        {
            if (layer is SpectralLinear spectral && spectral.warm_start)
            {
                var result = WarmBjorck.Orthonormalize(spectral.raw_weight.detach(), starts[spectral], spectral.beta_bjorck, spectral.niter_bjorck, spectral.scale_factor);
                Tensor w;
                if (result.IsFormed) w = result.Weight().to_type(ScalarType.Float64);
                else
                {
                    var raw = spectral.raw_weight.detach().to_type(ScalarType.Float64);
                    var f = result.Factor!.detach().to_type(ScalarType.Float64);
                    w = (spectral.out_features <= spectral.in_features ? f.mm(raw) : raw.mm(f.t())) * result.Scale;
                }
                var expected = outputs[spectral].to_type(ScalarType.Float64);
                var replayed = Linear(inputs[spectral].to_type(ScalarType.Float64), w, spectral.bias_parameter);
                double scale = expected.abs().max().item<double>() + 1e-30;
                Assert.True((replayed - expected).abs().max().item<double>() <= 1e-4 * scale,
                    $"{spectral}: the replayed train-mode map differs from the layer's own output");
                return w;
            }
            return ((ConstrainedLinear)layer).effective_weight().detach().to_type(ScalarType.Float64);
        });
    }

    /// <summary>The eval-mode replay (cached effective weights).</summary>
    public static Float64Replay Eval(Sequential model)
    {
        model.eval();
        return Build(model.layers, layer => ((ConstrainedLinear)layer).effective_weight().detach().to_type(ScalarType.Float64));
    }

    /// <summary>The replay of a <see cref="Sequential.vanilla_export"/> (plain <c>nn.Linear</c> weights).</summary>
    public static Float64Replay Export(nn.Module<Tensor, Tensor> exported, Sequential source)
    {
        var children = exported.named_children().Select(c => (c.name, (nn.Module<Tensor, Tensor>)c.module)).ToList();
        // The bounds come from the source's layers, by name.
        var bounds = source.layers.ToDictionary(l => l.name, l => l.module is LipschitzModule lm ? (lm.lipschitz_constant, lm.output_lipschitz_constant) : (1.0, 1.0));
        var stages = new List<Stage>();
        foreach (var (name, module) in children)
        {
            if (module is TorchSharp.Modules.Linear linear)
            {
                var w = linear.weight!.detach().to_type(ScalarType.Float64);
                var b = linear.bias?.detach().to_type(ScalarType.Float64);
                stages.Add(new Stage(name, x => Linear(x, w, b), w, bounds[name].Item1, bounds[name].Item2));
            }
            else stages.Add(new Stage(name, Activation(module), null, bounds[name].Item1, bounds[name].Item2));
        }
        return new Float64Replay(stages);
    }

    private static Float64Replay Build(IReadOnlyList<(string name, nn.Module<Tensor, Tensor> module)> layers, Func<nn.Module, Tensor> weightOf)
    {
        var stages = new List<Stage>();
        foreach (var (name, module) in layers)
        {
            if (module is ConstrainedLinear layer)
            {
                var w = weightOf(layer);
                var b = layer.bias_parameter?.detach().to_type(ScalarType.Float64);
                stages.Add(new Stage(name, x => Linear(x, w, b), w, layer.lipschitz_constant, layer.output_lipschitz_constant));
            }
            else stages.Add(new Stage(name, Activation(module), null, 1.0, 1.0));
        }
        return new Float64Replay(stages);
    }

    private static Tensor Linear(Tensor x, Tensor w, Tensor? b) =>
        nn.functional.linear(x, w, b is null ? null : b.to_type(ScalarType.Float64));

    private static Func<Tensor, Tensor> Activation(nn.Module<Tensor, Tensor> module) => module switch
    {
        LPReLU p => x => torchlip.lipschitz_prelu(x, p.slopes.detach().to_type(ScalarType.Float64), p.scale_factor),
        TorchSharp.Modules.Flatten => x => x.reshape(x.size(0), -1),
        _ => module.call,   // TorchLip's parameter-free activations take float64 as they are
    };
}
