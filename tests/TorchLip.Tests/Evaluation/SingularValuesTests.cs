using System;
using System.Linq;
using TorchLip.Evaluation;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

public class SingularValuesTests
{
    public SingularValuesTests() => torch.set_num_threads(1);

    [Fact]
    public void PlainLinearLayersReportTheirSpectrum()
    {
        using var model = nn.Sequential(
            ("0", KnownMaps.Linear(4, 6, new[] { 0.5, 0.3, 0.2, 0.1 }, seed: 1)),
            ("1", nn.ReLU()),
            ("2", KnownMaps.Linear(2, 4, new[] { 2.0, 1.0 }, seed: 2)));

        var layers = SingularValues.Of(model);

        Assert.Equal(new[] { "0", "2" }, layers.Select(l => l.Layer));
        Assert.All(layers, l => Assert.Equal("Linear", l.Kind));
        Assert.Equal(0.1, layers[0].Min, 1e-6);
        Assert.Equal(0.5, layers[0].Max, 1e-6);
        Assert.Equal(1.0, layers[1].Min, 1e-6);
        Assert.Equal(2.0, layers[1].Max, 1e-6);
    }

    [Fact]
    public void TorchLipLayersAreOrthonormalBeforeAndAfterExport()
    {
        torch.manual_seed(3);
        using var model = torchlip.Sequential(
            nn.Flatten(),
            torchlip.SpectralLinear(20, 16), torchlip.FullSort(),
            torchlip.SpectralLinear(16, 8), torchlip.FullSort(),
            torchlip.FrobeniusLinear(8, 1));

        var before = SingularValues.Of(model);
        using var exported = model.vanilla_export();
        var after = SingularValues.Of(exported);

        Assert.Equal(new[] { "1", "3", "5" }, before.Select(l => l.Layer));
        Assert.Equal(new[] { "SpectralLinear", "SpectralLinear", "FrobeniusLinear" }, before.Select(l => l.Kind));
        Assert.Equal(before.Select(l => l.Layer), after.Select(l => l.Layer));
        Assert.All(after, l => Assert.Equal("Linear", l.Kind));
        Assert.All(before.Concat(after), l =>
        {
            Assert.InRange(l.Min, 1 - 1e-5, 1 + 1e-5);
            Assert.InRange(l.Max, 1 - 1e-5, 1 + 1e-5);
        });
        foreach (var (b, a) in before.Zip(after))
        {
            Assert.Equal(b.Min, a.Min, 1e-6);
            Assert.Equal(b.Max, a.Max, 1e-6);
        }
    }

    [Fact]
    public void ALayerAloneIsListedUnderAnEmptyNameWithoutChangingItsState()
    {
        torch.manual_seed(4);
        using var layer = torchlip.SpectralLinear(12, 5, k_coef_lip: 2.0);
        layer.train();
        using var u = layer.preconditioner_matrix.clone();

        var layers = SingularValues.Of(layer);

        var only = Assert.Single(layers);
        Assert.Equal("", only.Layer);
        Assert.InRange(only.Min, 2 * (1 - 1e-5), 2 * (1 + 1e-5));
        Assert.InRange(only.Max, 2 * (1 - 1e-5), 2 * (1 + 1e-5));
        Assert.True(layer.training);
        Assert.True(torch.equal(u, layer.preconditioner_matrix).all().item<bool>());
    }

    [Fact]
    public void ExtremesViewsHigherRanksAsMatricesAndRejectsVectors()
    {
        using var scope = torch.NewDisposeScope();
        var w = KnownMaps.Matrix(3, 12, new[] { 3.0, 2.0, 0.5 }, seed: 5).reshape(3, 4, 3);

        var (min, max) = SingularValues.Extremes(w);

        Assert.Equal(0.5, min, 1e-12);
        Assert.Equal(3.0, max, 1e-12);
        Assert.Throws<ArgumentException>(() => SingularValues.Extremes(torch.ones(3)));
        Assert.Empty(SingularValues.Of(nn.ReLU()));
    }
}
