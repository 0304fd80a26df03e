using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Modules;
using TorchLip.PyTorch;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Interop;

/// <summary>deel-torchlip 1.0.5 state_dicts (fixtures written by make_fixtures.py) imported into TorchLip models.</summary>
public sealed class DeelTorchlipImportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("torchlip-deel-").FullName;
    private readonly ITestOutputHelper _output;

    public DeelTorchlipImportTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>deel-torchlip's settings: the classic chain, one power iteration per train forward, Björck eps 1e-3.</summary>
    private static SpectralLinear ClassicLinear(long i, long o) =>
        SpectralLinear(i, o, niter_spectral: 1, eps_bjorck: 1e-3, eps_spectral: 1e-3, warm_start: false);

    private static SpectralConv2d ClassicConv(long i, long o, string padding_mode) =>
        SpectralConv2d(i, o, 3, padding: 1, padding_mode: padding_mode, warm_start: false, niter_spectral: 1, eps_bjorck: 1e-3, eps_spectral: 1e-3);

    internal static TorchLip.Modules.Sequential DenseModel(bool warmStart) => warmStart
        ? Sequential(SpectralLinear(6, 8), FullSort(), SpectralLinear(8, 4), FullSort(), FrobeniusLinear(4, 1))
        : Sequential(ClassicLinear(6, 8), FullSort(), ClassicLinear(8, 4), FullSort(), FrobeniusLinear(4, 1));

    private static TorchLip.Modules.Sequential ConvModel() => Sequential(
        ClassicConv(1, 4, "zeros"), GroupSort2(), ClassicConv(4, 4, "reflect"), GroupSort2(), nn.Flatten(), ClassicLinear(100, 6), FrobeniusLinear(6, 1));

    [Fact]
    public void DenseImportReproducesPythonsOutputsAndWeights()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = InteropFixture.Json("deel_dense.json");
        using var model = DenseModel(warmStart: false);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth"));
        Assert.False(before["0.weight_orig"].eq(model.state_dict()["0.weight_orig"]).all().item<bool>());   // something was loaded
        model.eval();
        foreach (var layer in new[] { 0, 2, 4 })
        {
            var weight = ((ConstrainedModule)model[layer]).effective_weight();
            var d = InteropFixture.MaxDifference(weight, InteropFixture.Tensor(fixture.GetProperty("weights").GetProperty(layer.ToString())));
            _output.WriteLine($"layer {layer}: max |weight − deel-torchlip's| = {d:E2}");
            Assert.True(d < 1e-5, $"layer {layer}: {d}");
        }
        var difference = InteropFixture.MaxDifference(model.call(InteropFixture.Tensor(fixture.GetProperty("x"))), InteropFixture.Tensor(fixture.GetProperty("output")));
        _output.WriteLine($"output: max |TorchLip − deel-torchlip| = {difference:E2}");
        Assert.True(difference < 1e-5, $"{difference}");
    }

    [Fact]
    public void WarmStartLayersStartTheirPreconditionerFromTheImportedWeight()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = InteropFixture.Json("deel_dense.json");
        using var model = DenseModel(warmStart: true);
        pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth"));
        var raw = ((ConstrainedModule)model[0]).raw_weight.detach().to_type(ScalarType.Float64);
        var sigma = torch.linalg.matrix_norm(raw, ord: 2).item<double>();
        var preconditioner = model.state_dict()["0.preconditioner"].to_type(ScalarType.Float64);
        // The cold start, identity / σ̂ with σ̂ ≤ σ_max a power-iteration estimate, for the imported weight (σ_max 1.23),
        // not for the orthogonal initialization (σ_max 1, which would give σ_max·c = 1.23).
        double c = preconditioner[0, 0].item<double>();
        Assert.Equal(0.0, InteropFixture.MaxDifference(preconditioner, torch.eye(6, dtype: ScalarType.Float64) * c));
        _output.WriteLine($"σ_max {sigma}, σ_max·preconditioner = {sigma * c:F6}·I");
        Assert.InRange(sigma * c, 1 - 1e-6, 1.1);
        model.eval();
        var difference = InteropFixture.MaxDifference(model.call(InteropFixture.Tensor(fixture.GetProperty("x"))), InteropFixture.Tensor(fixture.GetProperty("output")));
        _output.WriteLine($"warm start, first eval call: max |TorchLip − deel-torchlip| = {difference:E2}");
        Assert.True(difference < 1e-4, $"{difference}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnImportedModelContinuesTrainingWithinItsConstraint(bool warmStart)
    {
        using var scope = torch.NewDisposeScope();
        using var model = DenseModel(warmStart);
        pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth"));
        model.train();
        var optimizer = Adam(model.parameters(), lr: 0.01);
        var raw = ((ConstrainedModule)model[0]).raw_weight.detach().clone();
        torch.manual_seed(7);
        var x = torch.randn(16, 6);
        var y = torch.randn(16).sign();
        for (int step = 0; step < 3; step++)
        {
            optimizer.zero_grad();
            var loss = hkr_loss(model.call(x).squeeze(-1), y, 10.0, 1.0);
            loss.backward();
            optimizer.step();
        }
        Assert.False(raw.eq(((ConstrainedModule)model[0]).raw_weight).all().item<bool>());
        model.eval();
        foreach (var layer in new[] { 0, 2, 4 })
        {
            var sigma = torch.linalg.svdvals(((ConstrainedModule)model[layer]).effective_weight().to_type(ScalarType.Float64));
            _output.WriteLine($"layer {layer}: singular values {string.Join(", ", sigma.data<double>().Select(s => s.ToString("F6")))}");
            Assert.True(sigma.max().item<double>() <= 1 + 1e-5, $"layer {layer}: σ_max {sigma.max().item<double>()}");
        }
    }

    [Fact]
    public void ConvolutionsGetTheSameKernelsAndDifferOnlyByTheCoefficient()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = InteropFixture.Json("deel_conv.json");
        using var model = ConvModel();
        pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_conv.pth"));
        model.eval();
        var file = pytorch.read_pth(InteropFixture.Path("deel_conv.pth"));
        foreach (var layer in new[] { 0, 2 })
        {
            var conv = (SpectralConv2d)model[layer];
            var reference = fixture.GetProperty("conv").GetProperty(layer.ToString());
            Assert.True(conv.raw_weight.eq(file[$"{layer}.parametrizations.weight.original"]).all().item<bool>());
            // The orthonormalized kernel is deel-torchlip's: only the factor applied after it differs.
            var kernel = InteropFixture.MaxDifference(conv.effective_weight() * conv.operator_gain, InteropFixture.Tensor(reference.GetProperty("bjorck")));
            double lconv = reference.GetProperty("lconv_coef").GetDouble();
            double ratio = 1 / conv.operator_gain / lconv;
            var bias = conv.bias_parameter!.detach().reshape(1, -1, 1, 1);
            var ours = conv.call(InteropFixture.Tensor(reference.GetProperty("input"))) - bias;
            var theirs = InteropFixture.Tensor(reference.GetProperty("output")) - bias;
            var scaled = InteropFixture.MaxDifference(ours, theirs * ratio);
            var plain = InteropFixture.MaxDifference(ours, theirs);
            _output.WriteLine($"layer {layer} ({reference.GetProperty("padding_mode").GetString()}): gain {conv.operator_gain}, deel-torchlip 1/coefficient {1 / lconv:G6}, " +
                              $"ratio {ratio:G6}; kernel difference {kernel:E2}; |ours − ratio·theirs| {scaled:E2}; |ours − theirs| {plain:E2}");
            Assert.True(kernel < 1e-5, $"kernel {kernel}");
            Assert.True(scaled < 1e-5, $"scaled {scaled}");
        }
        Assert.Equal(3.0, ((SpectralConv2d)model[0]).operator_gain);    // zero padding: deel-torchlip's 1/3 is our 1/3
        Assert.Equal(4.0, ((SpectralConv2d)model[2]).operator_gain);    // reflect: a border sample is read 4 times per axis... squared root of 16
        var network = InteropFixture.MaxDifference(model.call(InteropFixture.Tensor(fixture.GetProperty("x"))), InteropFixture.Tensor(fixture.GetProperty("output")));
        _output.WriteLine($"whole network: max |TorchLip − deel-torchlip| = {network:E2} (the reflect layer's output is 3/4 of deel-torchlip's)");
    }

    [Fact]
    public void AnotherLayerKindIsNamed()
    {
        using var model = Sequential(ClassicLinear(6, 8), FullSort(), FrobeniusLinear(8, 4), FullSort(), FrobeniusLinear(4, 1));
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth")));
        _output.WriteLine(e.Message);
        Assert.Contains("layer '2'", e.Message);
        Assert.Contains("FrobeniusLinear", e.Message);
        Assert.Contains("Spectral layer", e.Message);
    }

    [Fact]
    public void OtherSizesAreNamedWithTheirKeys()
    {
        using var model = Sequential(ClassicLinear(6, 8), FullSort(), ClassicLinear(8, 5), FullSort(), FrobeniusLinear(5, 1));
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_deel_torchlip(model, InteropFixture.Path("deel_dense.pth")));
        _output.WriteLine(e.Message);
        Assert.Contains("2.weight_orig: the model's tensor has shape (5, 8), the file's (4, 8)", e.Message);
        Assert.Contains("2.u: the model's tensor has shape (5), the file's (4)", e.Message);
    }

    [Fact]
    public void AnUnknownParametrizationIsNamed()
    {
        using var scope = torch.NewDisposeScope();
        var state = pytorch.read_pth(InteropFixture.Path("deel_dense.pth"));
        state["4.parametrizations.weight.0._scale"] = torch.ones(1);
        var path = Path.Combine(_folder, "unknown.pth");
        StateDictFiles.WritePth(state, path);
        using var model = DenseModel(warmStart: false);
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_deel_torchlip(model, path));
        Assert.Contains("4.parametrizations.weight.0._scale", e.Message);
        Assert.Contains("does not import", e.Message);
    }

    [Fact]
    public void OurExportLoadsBackWithTheSameOutputs()
    {
        using var scope = torch.NewDisposeScope();
        using var source = DenseModel(warmStart: true);
        pytorch.load_deel_torchlip(source, InteropFixture.Path("deel_dense.pth"));
        var path = Path.Combine(_folder, "ours.pth");
        pytorch.save_deel_torchlip(source, path);
        var keys = pytorch.read_pth(path).Keys.Order(StringComparer.Ordinal).ToList();
        var theirs = pytorch.read_pth(InteropFixture.Path("deel_dense.pth")).Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(theirs, keys);
        using var target = DenseModel(warmStart: false);
        pytorch.load_deel_torchlip(target, path);
        source.eval();
        target.eval();
        var x = torch.randn(4, 6);
        var difference = InteropFixture.MaxDifference(source.call(x), target.call(x));
        _output.WriteLine($"warm-start model → deel-torchlip keys → classic model: max output difference {difference:E2}");
        Assert.True(difference < 1e-4, $"{difference}");
    }
}
