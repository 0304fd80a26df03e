using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Constraints;
using TorchLip.Modules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// The extension seam, proved from outside the library: a layer and a constraint stage written only here, on the public
/// <see cref="ConstrainedModule"/> and <see cref="ConstraintStage"/>, get eval caching, export, state keys and reload
/// from the base without any change to library code.
/// </summary>
public class ThrowAwayLayerTests
{
    /// <summary>Divides by the Frobenius norm and counts the train-mode forwards in a buffer of its own.</summary>
    private sealed class CountingFrobenius : ConstraintStage
    {
        private Tensor? _steps;

        public override IReadOnlyList<(string Name, Tensor Initial)> CreateBuffers(Tensor raw) => new[] { ("steps", zeros(1, dtype: ScalarType.Int64)) };

        public override void Bind(Func<string, Tensor> buffer) => _steps = buffer("steps");

        public override ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context)
        {
            if (context.Advance)
                using (no_grad()) _steps!.add_(1);
            var w = weight.Value;
            return ConstrainedWeight.Formed(w / w.norm(), w.dtype).Times(weight.Scale);
        }

        public override string ToString() => "CountingFrobenius()";
    }

    /// <summary>y = x·Wᵀ + b, written against the base alone (not <see cref="ConstrainedLinear"/>).</summary>
    private sealed class ThrowAwayLinear : ConstrainedModule
    {
        private readonly long _in, _out;

        public ThrowAwayLinear(long inFeatures, long outFeatures, double k = 1.0)
            : base(nameof(ThrowAwayLinear), new[] { outFeatures, inFeatures }, true, new WeightConstraint(new CountingFrobenius()), k)
        {
            (_in, _out) = (inFeatures, outFeatures);
            RegisterComponents();
        }

        protected override void CheckInput(Tensor input)
        {
            if (input.size(-1) != _in) throw new ArgumentException($"expected {_in} inputs", nameof(input));
        }

        protected override Tensor ApplyTraining(Tensor input, ConstrainedWeight weight) => nn.functional.linear(input, weight.Weight(), bias);

        protected override Tensor ApplyWeight(Tensor input, Tensor weight) => nn.functional.linear(input, weight, bias);

        protected override nn.Module<Tensor, Tensor> ExportModule(Tensor weight, Tensor? bias)
        {
            var linear = nn.Linear(_in, _out, hasBias: bias is not null);
            using (no_grad())
            {
                linear.weight!.copy_(weight);
                if (bias is not null) linear.bias!.copy_(bias);
            }
            return linear;
        }
    }

    private static long Steps(ThrowAwayLinear layer) => layer.get_buffer("steps")!.item<long>();

    private static double SigmaMax(Tensor w) => linalg.svdvals(w.detach().to_type(ScalarType.Float64)).max().item<double>();

    [Fact]
    public void TrainAdvancesItsStateEvalCachesAndNeitherBreaksTheBound()
    {
        manual_seed(31);
        using var layer = new ThrowAwayLinear(9, 4, k: 2.0);
        using (no_grad()) layer.raw_weight.mul_(randn(4, 9));
        var x = randn(5, 9);

        layer.train();
        layer.call(x);
        layer.call(x);
        Assert.Equal(2, Steps(layer));
        Assert.InRange(SigmaMax(layer.effective_weight()), 0, 2 * (1 + 1e-5));
        Assert.Equal(2, Steps(layer));   // reading the weight never advances

        layer.eval();
        var cached = layer.effective_weight();
        var y = layer.call(x);
        Assert.Same(cached, layer.effective_weight());
        Assert.Equal(2, Steps(layer));
        layer.k_coef_lip = 1.0;          // a change of k drops the cache
        Assert.NotSame(cached, layer.effective_weight());
        Assert.True(layer.call(x).sub(layer.bias_parameter!).allclose(y.sub(layer.bias_parameter!) / 2, 1e-5, 1e-6));
    }

    [Fact]
    public void ExportIsAnIndependentPlainModuleWithTheEvalMap()
    {
        manual_seed(32);
        using var layer = new ThrowAwayLinear(6, 3);
        using (no_grad()) layer.raw_weight.mul_(randn(3, 6));
        layer.eval();
        var x = randn(4, 6);
        var expected = layer.call(x).clone();

        var exported = layer.vanilla_export();
        Assert.IsType<TorchSharp.Modules.Linear>(exported);
        Assert.True(exported.call(x).allclose(expected, 0, 1e-6));
        exported.Dispose();

        Assert.True(layer.call(x).allclose(expected, 0, 0));   // the source outlives its export
    }

    [Fact]
    public void StateHoldsTheRawWeightBiasAndTheStagesBufferAndReloadsIntoAFreshLayer()
    {
        manual_seed(33);
        using var source = new ThrowAwayLinear(5, 2);
        using (no_grad()) source.raw_weight.add_(randn(2, 5));
        source.train();
        source.call(randn(3, 5));
        source.eval();
        var x = randn(3, 5);

        var state = source.state_dict();
        Assert.Equal(new[] { "bias", "steps", "weight_orig" }, state.Keys.OrderBy(k => k, StringComparer.Ordinal));

        using var target = new ThrowAwayLinear(5, 2);
        target.eval();
        var stale = target.call(x).clone();
        var (missing, unexpected) = target.load_state_dict(state);
        Assert.Empty(missing);
        Assert.Empty(unexpected);
        target.eval();
        Assert.Equal(1, Steps(target));
        Assert.True(target.call(x).allclose(source.call(x), 0, 1e-7));
        Assert.False(target.call(x).allclose(stale, 0, 1e-3));
    }
}
