using System;
using System.Linq;
using TorchLip.Modules;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules.Conv;

/// <summary>The bounds <see cref="LipschitzBounds"/> gives plain TorchSharp modules hold against their exact operator norms.</summary>
public class PlainModuleBoundTests
{
    private static double ExactNorm(nn.Module<Tensor, Tensor> module, long channels, long h, long w)
    {
        using var scope = NewDisposeScope();
        long n = channels * h * w;
        var impulses = eye(n, dtype: ScalarType.Float64).reshape(n, channels, h, w);
        Tensor matrix;
        using (no_grad()) matrix = module.call(impulses).reshape(n, -1);
        return linalg.svdvals(matrix).max().item<double>();
    }

    [Fact]
    public void LinearPlainModulesAreBoundedByTheirExactNorm()
    {
        manual_seed(5);
        var cases = new (nn.Module<Tensor, Tensor> module, long c, long h, long w)[]
        {
            (nn.AvgPool2d(2), 2, 6, 6),
            (nn.AvgPool2d(3, stride: 1), 1, 7, 7),
            (nn.AvgPool2d(2, ceil_mode: true, count_include_pad: false), 1, 5, 5),
            (nn.Conv2d(2, 3, (3, 3), (1, 1), (1, 1), (1, 1), TorchSharp.PaddingModes.Reflect, 1, true, null, ScalarType.Float64), 2, 7, 7),
            (nn.Conv2d(2, 3, (3, 3), (2, 2), (1, 1), (1, 1), TorchSharp.PaddingModes.Zeros, 1, true, null, ScalarType.Float64), 2, 8, 7),
        };
        foreach (var (module, c, h, w) in cases)
        {
            using var bias = module is TorchSharp.Modules.Conv2d conv ? conv.bias : null;
            if (bias is not null) using (no_grad()) bias.zero_();
            double bound = LipschitzBounds.Map(module), exact = ExactNorm(module, c, h, w);
            Assert.True(double.IsFinite(bound), $"{module.GetName()}: no bound");
            Assert.True(exact <= bound * (1 + 1e-9), $"{module.GetName()} on {c}x{h}x{w}: exact {exact} > bound {bound}");
        }
    }

    [Fact]
    public void PoolingAndReshapesHaveTheirConstants()
    {
        Assert.Equal(1.0, LipschitzBounds.Map(nn.MaxPool2d(2)), 12);
        Assert.Equal(3.0, LipschitzBounds.Map(nn.MaxPool2d(3, stride: 1)), 12);   // a sample is in 3×3 windows
        Assert.Equal(1.0, LipschitzBounds.Map(nn.LPPool2d(2, 2)), 12);
        Assert.Equal(0.5, LipschitzBounds.Map(nn.AvgPool2d(2)), 12);              // window sum / 4 ≤ ‖window‖·2/4
        Assert.Equal(1.0, LipschitzBounds.Map(nn.Flatten()), 12);
        Assert.Equal(double.PositiveInfinity, LipschitzBounds.Map(nn.LayerNorm(4)));
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            using var model = Sequential(SpectralConv2d(1, 4, 3, padding: 1), GroupSort2(), nn.MaxPool2d(2), nn.Flatten(), SpectralLinear(4 * 4 * 4, 2));
            Assert.Equal(1.0, model.lipschitz_constant, 9);
            using var exported = model.vanilla_export();
            var x = randn(3, 1, 8, 8);
            model.eval();
            using (no_grad()) Assert.True(model.call(x).allclose(exported.call(x), 1e-5, 1e-6));
        }
        finally { Warnings.Handler = previous; }
    }

    /// <summary>The tutorial's check ported as written: every layer's <c>weight</c> is the weight it applies.</summary>
    [Fact]
    public void LayerWeightIsTheAppliedWeightAndNoParameterPassesForIt()
    {
        manual_seed(8);
        using var model = Sequential(SpectralConv2d(1, 4, 3, padding: 1), GroupSort2(), nn.Flatten(), SpectralLinear(4 * 6 * 6, 8), FullSort(), FrobeniusLinear(8, 1));
        using (no_grad()) foreach (var p in model.parameters()) p.add_(randn(p.shape) * 0.3);
        model.eval();
        foreach (var layer in model.children().OfType<ConstrainedModule>())
        {
            var s = linalg.svdvals(layer.weight.detach().reshape(layer.weight.size(0), -1).to_type(ScalarType.Float64));
            Assert.True(s.max().item<double>() * layer.operator_gain <= 1 + 1e-5, $"{layer}: applied σ_max·gain = {s.max().item<double>() * layer.operator_gain}");
        }
        Assert.DoesNotContain(model.named_parameters(), p => p.name.EndsWith(".weight", StringComparison.Ordinal));
        Assert.Contains(model.named_parameters(), p => p.name == "0.weight_orig");
        var table = torchlip.layer_singular_values(model);
        Assert.All(table, row => Assert.True(row.OperatorBound <= 1 + 1e-5, $"{row.Layer}: {row.OperatorBound}"));
        Assert.Equal(3.0, table[0].Gain, 12);
    }
}
