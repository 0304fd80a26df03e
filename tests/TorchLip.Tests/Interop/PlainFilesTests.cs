using System;
using System.IO;
using System.Linq;
using TorchLip.PyTorch;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Interop;

/// <summary>Exported models as PyTorch .pth and .safetensors files: round trips, PyTorch's own files, strict errors.</summary>
public sealed class PlainFilesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("torchlip-pth-").FullName;
    private readonly ITestOutputHelper _output;

    public PlainFilesTests(ITestOutputHelper output)
    {
        _output = output;
        torch.set_num_threads(1);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The README's network: its export is Conv2d, GroupSort2, PadConv2d (symmetric padding 2), Flatten, Linear, FullSort, Linear.</summary>
    internal static TorchLip.Modules.Sequential LipschitzNetwork(long seed)
    {
        torch.manual_seed(seed);
        return Sequential(
            SpectralConv2d(1, 4, 3, padding: 1),
            GroupSort2(),
            SpectralConv2d(4, 4, 5, padding: 2, padding_mode: "symmetric"),
            nn.Flatten(),
            SpectralLinear(4 * 6 * 6, 8),
            FullSort(),
            FrobeniusLinear(8, 1));
    }

    [Theory]
    [InlineData(".pth")]
    [InlineData(".safetensors")]
    public void AnExportRoundTripsWithTheSameTensorsAndOutputs(string extension)
    {
        using var scope = torch.NewDisposeScope();
        using var saved = LipschitzNetwork(1).vanilla_export();
        using var other = LipschitzNetwork(2).vanilla_export();
        Assert.IsType<TorchLip.Modules.PadConv2d>(((TorchSharp.Modules.Sequential)saved).children().ElementAt(2));
        var x = torch.randn(3, 1, 6, 6);
        Assert.True(MaxDifferenceOfOutputs(saved, other, x) > 1e-3);   // the load below has something to change

        var path = Path.Combine(_folder, "model" + extension);
        if (extension == ".pth") pytorch.save_pth(saved, path); else pytorch.save_safetensors(saved, path);
        if (extension == ".pth") pytorch.load_pth(other, path); else pytorch.load_safetensors(other, path);

        var expected = saved.state_dict();
        var actual = other.state_dict();
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (key, tensor) in expected) Assert.True(tensor.eq(actual[key]).all().item<bool>(), key);
        Assert.Equal(0.0, MaxDifferenceOfOutputs(saved, other, x));
    }

    [Fact]
    public void TheKeysAreTheOnesPyTorchsSequentialNames()
    {
        using var scope = torch.NewDisposeScope();
        using var export = LipschitzNetwork(3).vanilla_export();
        var path = Path.Combine(_folder, "keys.pth");
        pytorch.save_pth(export, path);
        var read = pytorch.read_pth(path);
        Assert.Equal(new[] { "0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight", "6.bias", "6.weight" }, read.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.All(read.Values, t => Assert.False(t.requires_grad));
    }

    [Fact]
    public void Float64TensorsRoundTripBitForBit()
    {
        using var scope = torch.NewDisposeScope();
        using var saved = LipschitzNetwork(4).vanilla_export();
        saved.to(ScalarType.Float64);
        using var other = LipschitzNetwork(5).vanilla_export();
        other.to(ScalarType.Float64);
        foreach (var extension in new[] { ".pth", ".safetensors" })
        {
            var path = Path.Combine(_folder, "f64" + extension);
            if (extension == ".pth") pytorch.save_pth(saved, path); else pytorch.save_safetensors(saved, path);
            var read = extension == ".pth" ? pytorch.read_pth(path) : pytorch.read_safetensors(path);
            Assert.All(read.Values, t => Assert.Equal(ScalarType.Float64, t.dtype));
            foreach (var (key, tensor) in saved.state_dict()) Assert.True(tensor.eq(read[key]).all().item<bool>(), key);
        }
    }

    /// <summary>TorchSharp's twin of make_fixtures.py's plain PyTorch model.</summary>
    private static TorchSharp.Modules.Sequential PlainTwin() => nn.Sequential(
        nn.Conv2d(1, 3, 3, padding: 1),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Conv2d(3, 2, 3, stride: 2, bias: false),
        nn.Flatten(),
        nn.Linear(2, 5),
        nn.ReLU(),
        nn.Linear(5, 2));

    [Theory]
    [InlineData("plain_sequential.pth")]
    [InlineData("plain_sequential.safetensors")]
    public void PyTorchsFilesLoadAndReproducePythonsOutputs(string file)
    {
        using var scope = torch.NewDisposeScope();
        var fixture = InteropFixture.Json("plain_sequential.json");
        using var model = PlainTwin();
        model.eval();
        if (file.EndsWith(".pth")) pytorch.load_pth(model, InteropFixture.Path(file)); else pytorch.load_safetensors(model, InteropFixture.Path(file));
        var difference = InteropFixture.MaxDifference(model.call(InteropFixture.Tensor(fixture.GetProperty("x"))), InteropFixture.Tensor(fixture.GetProperty("output")));
        _output.WriteLine($"{file}: max |TorchSharp − PyTorch| = {difference:E2}");
        Assert.True(difference < 1e-5, $"{difference}");
    }

    [Fact]
    public void PyTorchsFloat64FileLoadsIntoAFloat64Model()
    {
        using var scope = torch.NewDisposeScope();
        var fixture = InteropFixture.Json("plain_sequential.json");
        var read = pytorch.read_pth(InteropFixture.Path("plain_sequential_f64.pth"));
        Assert.All(read.Values, t => Assert.Equal(ScalarType.Float64, t.dtype));
        using var model = PlainTwin();
        model.to(ScalarType.Float64).eval();
        pytorch.load_pth(model, InteropFixture.Path("plain_sequential_f64.pth"));
        var x = InteropFixture.Tensor(fixture.GetProperty("x")).to_type(ScalarType.Float64);
        var difference = InteropFixture.MaxDifference(model.call(x), InteropFixture.Tensor(fixture.GetProperty("output_f64")));
        _output.WriteLine($"float64: max |TorchSharp − PyTorch| = {difference:E2}");
        Assert.True(difference < 1e-12, $"{difference}");
    }

    [Fact]
    public void ALayerTooManyIsNamedWithTheShiftedNumbers()
    {
        using var model = nn.Sequential(nn.Conv2d(1, 3, 3, padding: 1), nn.ReLU(), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(3, 2, 3, stride: 2, bias: false),
            nn.Flatten(), nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 2));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_pth(model, InteropFixture.Path("plain_sequential.pth")));
        _output.WriteLine(e.Message);
        Assert.Contains("missing from the file: 4.weight", e.Message);
        Assert.Contains("in the file but not in the model: ", e.Message);
        Assert.Contains("3.weight", e.Message);
        Assert.Contains("numbered differently", e.Message);
        foreach (var (key, tensor) in model.state_dict()) Assert.True(tensor.eq(before[key]).all().item<bool>(), $"{key} changed although the load failed");
    }

    [Fact]
    public void AShapeThatDiffersIsNamedWithBothShapes()
    {
        using var model = nn.Sequential(nn.Conv2d(1, 3, 3, padding: 1), nn.ReLU(), nn.AvgPool2d(2), nn.Conv2d(3, 2, 3, stride: 2, bias: false),
            nn.Flatten(), nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 2));
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_safetensors(model, InteropFixture.Path("plain_sequential.safetensors")));
        _output.WriteLine(e.Message);
        Assert.Contains("5.weight: the model's tensor has shape (6, 2), the file's (5, 2)", e.Message);
        Assert.Contains("7.weight: the model's tensor has shape (2, 6), the file's (2, 5)", e.Message);
    }

    [Fact]
    public void ADeelTorchlipFileLoadedAsAPlainOneNamesTheImport()
    {
        using var model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1));
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_pth(model, InteropFixture.Path("deel_dense.pth")));
        Assert.Contains("pytorch.load_deel_torchlip", e.Message);
        Assert.Contains("0.parametrizations.weight.original", e.Message);
    }

    [Fact]
    public void SavingALipschitzModelAsPlainNamesTheExport()
    {
        using var model = LipschitzNetwork(6);
        var path = Path.Combine(_folder, "lipschitz.pth");
        var e = Assert.Throws<ArgumentException>(() => pytorch.save_pth(model, path));
        Assert.Contains("vanilla_export()", e.Message);
        Assert.Contains("'0'", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void AFileThatIsNotAStateDictIsAClearError()
    {
        var path = Path.Combine(_folder, "text.pth");
        File.WriteAllText(path, "not a zip");
        using var model = nn.Sequential(nn.Linear(2, 2));
        var e = Assert.Throws<InvalidDataException>(() => pytorch.load_pth(model, path));
        Assert.Contains("torch.save(model.state_dict(), path)", e.Message);
        Assert.Throws<FileNotFoundException>(() => pytorch.load_pth(model, Path.Combine(_folder, "absent.pth")));
    }

    private static double MaxDifferenceOfOutputs(nn.Module<Tensor, Tensor> a, nn.Module<Tensor, Tensor> b, Tensor x)
    {
        using var noGrad = torch.no_grad();
        return InteropFixture.MaxDifference(a.call(x), b.call(x));
    }
}
