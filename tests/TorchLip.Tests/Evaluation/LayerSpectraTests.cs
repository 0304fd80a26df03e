using System;
using System.Linq;
using TorchLip.Evaluation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>compute_layer_sv / compute_model_sv: a convolution's true operator against a brute-force SVD, dense layers by their matrix.</summary>
public class LayerSpectraTests
{
    /// <summary>The singular values of a layer's map on one input shape, by calling the layer on every unit input (float64 SVD).</summary>
    private static (double min, double max) BruteForce(nn.Module<Tensor, Tensor> layer, long[] sample)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        long n = sample.Aggregate(1L, (p, s) => p * s);
        var impulses = torch.eye(n).reshape(new[] { n }.Concat(sample).ToArray());
        var offset = layer.call(torch.zeros(new[] { 1L }.Concat(sample).ToArray()));
        var matrix = (layer.call(impulses) - offset).reshape(n, -1).to_type(ScalarType.Float64);
        var s = torch.linalg.svdvals(matrix);
        return (s.min().item<double>(), s.max().item<double>());
    }

    public static TheoryData<string> Convolutions => new() { "spectral", "spectral-reflect", "spectral-stride2", "plain-stride2", "spectral-trained" };

    private static nn.Module<Tensor, Tensor> Convolution(string kind)
    {
        torch.manual_seed(21);
        nn.Module<Tensor, Tensor> conv = kind switch
        {
            "spectral" => torchlip.SpectralConv2d(2, 3, 3, padding: 1),
            "spectral-reflect" => torchlip.SpectralConv2d(2, 3, 3, padding: 1, padding_mode: "reflect"),
            "spectral-stride2" => torchlip.SpectralConv2d(2, 4, 3, stride: 2, padding: 1),
            "plain-stride2" => nn.Conv2d(2, 3, 3, stride: 2, padding: 1),
            _ => TrainedModels.Make(TrainedModels.ConvBinary, seed: 2).model.layers[0].module,
        };
        conv.eval();
        return conv;
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void AConvolutionsSingularValuesAreThoseOfItsOperatorMatrix(string kind)
    {
        using var scope = torch.NewDisposeScope();
        var conv = Convolution(kind);
        long channels = kind == "spectral-trained" ? 1 : 2;
        var sample = new[] { channels, 6L, 7L };
        var (min, max) = BruteForce(conv, sample);
        var sv = torchlip.compute_layer_sv(conv, sample);
        Assert.Equal(SpectrumMethod.OperatorMatrix, sv.Method);
        Assert.Equal(sample, sv.InputShape);
        Assert.InRange(sv.Max, max * (1 - 1e-5), max * (1 + 1e-5));
        Assert.InRange(sv.Min, min - 1e-5 * max, min + 1e-5 * max);
        Assert.True(sv.Max <= torchlip.conv_lipschitz_bound(conv, new[] { 6L, 7L }) * (1 + 1e-5), $"{sv.Max} above the layer's bound");
        // A leading batch size is accepted.
        Assert.Equal(sv.Max, torchlip.compute_layer_sv(conv, new[] { 5L }.Concat(sample).ToArray()).Max);
    }

    [Fact]
    public void ADenseLayerIsMeasuredByTheMatrixItApplies()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var sv = torchlip.compute_layer_sv(torchlip.SpectralLinear(6, 4, k_coef_lip: 2.0));
        Assert.Equal(SpectrumMethod.WeightMatrix, sv.Method);
        Assert.Null(sv.InputShape);
        Assert.InRange(sv.Min, 2 * (1 - 1e-4), 2 * (1 + 1e-5));
        Assert.InRange(sv.Max, 2 * (1 - 1e-4), 2 * (1 + 1e-5));
        var plain = torchlip.compute_layer_sv(KnownMaps.Linear(5, 3, new[] { 4.0, 1.0, 0.25 }, seed: 2));
        Assert.Equal(0.25, plain.Min, 5);
        Assert.Equal(4.0, plain.Max, 5);
    }

    [Fact]
    public void TheModelsLayersAreFoundWithTheirInputShapes()
    {
        using var scope = torch.NewDisposeScope();
        var (model, _) = TrainedModels.Make(TrainedModels.ConvTenClass, seed: 4);
        var layers = torchlip.compute_model_sv(model, new[] { 1L, 8, 8 });
        Assert.Equal(new[] { "0", "4", "6" }, layers.Select(l => l.Layer).ToArray());
        Assert.Equal(new[] { 1L, 8, 8 }, layers[0].InputShape);
        Assert.Equal(SpectrumMethod.OperatorMatrix, layers[0].Method);
        Assert.All(layers.Skip(1), l => Assert.Equal(SpectrumMethod.WeightMatrix, l.Method));
        Assert.True(layers.Aggregate(1.0, (p, l) => p * l.Max) <= torchlip.lipschitz_upper_bound(model), "the product of exact norms exceeds the certified bound");
        var e = Assert.Throws<ArgumentException>(() => torchlip.compute_model_sv(model));
        Assert.Contains("input_shape", e.Message);
    }

    [Fact]
    public void ALargeInputFallsBackToPowerIterationFromBelow()
    {
        using var scope = torch.NewDisposeScope();
        var conv = Convolution("spectral");
        var sv = torchlip.compute_layer_sv(conv, new[] { 2L, 48, 48 });
        Assert.Equal(SpectrumMethod.PowerIteration, sv.Method);
        Assert.True(double.IsNaN(sv.Min));
        Assert.InRange(sv.Max, 0.5, torchlip.conv_lipschitz_bound(conv) * (1 + 1e-5));
    }
}
