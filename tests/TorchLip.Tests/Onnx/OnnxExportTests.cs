using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Modules;
using TorchLip.Onnx;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Onnx;

/// <summary>
/// ONNX export: every exported file runs in ONNX Runtime and gives TorchSharp's outputs (≤ 1e-5 relative to
/// max(1, max|y|)), for one network per supported layer type and for randomly drawn dense and convolutional TorchLip
/// networks; the certified bound comes back from the metadata; unsupported layers are refused by name.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _dir = Directory.CreateTempSubdirectory("torchlip-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One small network per supported layer type (name, model, one sample's shape).</summary>
    internal static IEnumerable<(string Name, Func<nn.Module<Tensor, Tensor>> Make, long[] Shape)> LayerCases()
    {
        long[] image = { 3, 8, 7 };
        nn.Module<Tensor, Tensor> Seq(params nn.Module<Tensor, Tensor>[] layers) => nn.Sequential(layers);
        yield return ("nn.Linear (Gemm)", () => Seq(nn.Linear(6, 4), nn.Linear(4, 3, hasBias: false)), new long[] { 6 });
        yield return ("nn.Linear on 3-D input (MatMul)", () => Seq(nn.Linear(5, 4)), new long[] { 2, 5 });
        foreach (var mode in new[] { "zeros", "reflect", "replicate", "circular", "symmetric" })
        {
            yield return ($"PadConv2d {mode}", () => Seq(PadConv2d(3, 4, 3, stride: 2, padding: 2, dilation: 1, padding_mode: mode)), image);
            yield return ($"PadConv1d {mode}", () => Seq(PadConv1d(2, 3, 3, padding: 1, padding_mode: mode)), new long[] { 2, 9 });
            yield return ($"SpectralConv2d {mode}", () => Sequential(SpectralConv2d(3, 6, 3, 1, 1, 2, 3, true, mode, 1.3)), image);
        }
        yield return ("nn.Conv2d zeros stride dilation groups", () => Seq(nn.Conv2d(4, 6, (3, 2), (2, 1), (1, 2), (1, 2), groups: 2)), new long[] { 4, 9, 8 });
        yield return ("nn.Conv2d reflect", () => Seq(nn.Conv2d(3, 2, 3, padding: 1, padding_mode: PaddingModes.Reflect)), image);
        yield return ("nn.Conv2d circular", () => Seq(nn.Conv2d(3, 2, 3, padding: 2, padding_mode: PaddingModes.Circular)), image);
        yield return ("nn.Conv2d replicate same", () => Seq(nn.Conv2d(3, 2, 4, Padding.Same, padding_mode: PaddingModes.Replicate)), image);
        yield return ("nn.Conv1d", () => Seq(nn.Conv1d(2, 3, 3, stride: 2, padding: 1)), new long[] { 2, 11 });
        yield return ("FrobeniusConv2d", () => Sequential(FrobeniusConv2d(3, 2, 3, 1, 1)), image);
        yield return ("SpectralConv1d", () => Sequential(SpectralConv1d(2, 4, 3, 2, 1, 1, 2, true, "reflect")), new long[] { 2, 12 });
        yield return ("SpectralConvTranspose2d", () => Sequential(SpectralConvTranspose2d(2, 3, 3, 2, 1, 1)), new long[] { 2, 5, 4 });
        yield return ("SpectralLinear, FrobeniusLinear", () => Sequential(SpectralLinear(7, 5), FrobeniusLinear(5, 2)), new long[] { 7 });
        yield return ("Flatten", () => Seq(nn.Flatten(), nn.Linear(3 * 8 * 7, 2)), image);
        yield return ("Flatten(2, 3)", () => Seq(nn.Flatten(2, 3)), image);
        yield return ("Identity", () => Seq(nn.Identity()), new long[] { 3 });
        yield return ("FullSort dense", () => Seq(FullSort()), new long[] { 9 });
        yield return ("FullSort image", () => Seq(FullSort(2.5)), image);
        yield return ("GroupSort(3) dense", () => Seq(GroupSort(3)), new long[] { 12 });
        yield return ("GroupSort(3) image", () => Seq(GroupSort(3, 0.7)), new long[] { 6, 4, 3 });
        yield return ("GroupSort2", () => Seq(GroupSort2()), new long[] { 8 });
        yield return ("GroupSort2 image", () => Seq(GroupSort2(1.5)), new long[] { 4, 3, 5 });
        yield return ("MaxMin dense", () => Seq(MaxMin()), new long[] { 5 });
        yield return ("MaxMin image k", () => Seq(MaxMin(k_coef_lip: 2)), image);
        yield return ("LPReLU one slope", () => Seq(LPReLU(1, -0.4)), image);
        yield return ("LPReLU per channel", () => Seq(RandomSlopes(LPReLU(3, 0.2, 1.7))), image);
        yield return ("LPReLU per feature", () => Seq(RandomSlopes(LPReLU(6))), new long[] { 6 });
        yield return ("ReLU, ReLU6, LeakyReLU, Tanh, Sigmoid", () => Seq(nn.ReLU(), nn.Linear(4, 4), nn.ReLU6(), nn.Linear(4, 4), nn.LeakyReLU(0.3), nn.Tanh(), nn.Sigmoid()), new long[] { 4 });
        yield return ("ScaledAvgPool2d", () => Seq(ScaledAvgPool2d(2)), new long[] { 3, 8, 6 });
        yield return ("ScaledAvgPool2d ceil k", () => Seq(ScaledAvgPool2d((3, 2), ceil_mode: true, k_coef_lip: 1.4)), image);
        yield return ("ScaledL2NormPool2d", () => Seq(ScaledL2NormPool2d(2)), new long[] { 3, 8, 6 });
        yield return ("ScaledL2NormPool2d ceil k", () => Seq(ScaledL2NormPool2d((3, 2), ceil_mode: true, k_coef_lip: 0.6)), image);
        yield return ("ScaledAdaptiveAvgPool2d", () => Seq(ScaledAdaptiveAvgPool2d(k_coef_lip: 1.2)), image);
        yield return ("ScaledAdaptativeL2NormPool2d", () => Seq(ScaledAdaptativeL2NormPool2d(k_coef_lip: 0.8)), image);
        yield return ("nn.AvgPool2d", () => Seq(nn.AvgPool2d(3, 2, 1)), image);
        yield return ("nn.AvgPool2d without pad count", () => Seq(nn.AvgPool2d(new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, count_include_pad: false)), image);
        yield return ("nn.MaxPool2d", () => Seq(nn.MaxPool2d(3, 2, 1)), image);
        yield return ("nn.LPPool2d", () => Seq(nn.LPPool2d(2, new long[] { 2, 2 })), new long[] { 3, 8, 6 });
        yield return ("InvertibleDownSampling", () => Seq(InvertibleDownSampling(2)), new long[] { 3, 8, 6 });
        yield return ("InvertibleDownSampling k", () => Seq(InvertibleDownSampling(3, 1.3)), new long[] { 2, 6, 9 });
        yield return ("InvertibleUpSampling", () => Seq(InvertibleUpSampling(2, 0.9)), new long[] { 8, 3, 2 });
        yield return ("nn.PixelUnshuffle, nn.PixelShuffle", () => Seq(nn.PixelUnshuffle(2), nn.Conv2d(12, 8, 1), nn.PixelShuffle(2)), new long[] { 3, 4, 6 });
        yield return ("nested Sequentials", () => nn.Sequential(Sequential(2.0, Sequential(SpectralLinear(4, 4), GroupSort2()), FullSort()), nn.Sequential(nn.Linear(4, 2))), new long[] { 4 });
    }

    public static IEnumerable<object[]> LayerCaseNames() => LayerCases().Select(c => new object[] { c.Name });

    private static LPReLU RandomSlopes(LPReLU layer)
    {
        using (no_grad()) layer.slopes.uniform_(-1.6, 1.6);
        return layer;
    }

    [Theory]
    [MemberData(nameof(LayerCaseNames))]
    public void Every_supported_layer_runs_in_onnx_runtime_as_in_torchsharp(string name)
    {
        var (_, make, shape) = LayerCases().Single(c => c.Name == name);
        using var scope = NewDisposeScope();
        using var model = RandomConvNetworks.Quietly(make);
        CheckAgainstOnnxRuntime(model, shape, seed: name.Length, name);
    }

    [Theory]
    [MemberData(nameof(Seeds), 40)]
    public void Random_convolutional_networks_run_in_onnx_runtime_as_in_torchsharp(int seed)
    {
        using var scope = NewDisposeScope();
        var draw = RandomConvNetworks.Network(seed);
        using var model = draw.Model;
        RandomConvNetworks.Train(draw with { Steps = Math.Min(draw.Steps, 3) }, seed);
        CheckAgainstOnnxRuntime(model, draw.InputShape, seed, draw.Description, draw.InputScale);
    }

    [Theory]
    [MemberData(nameof(Seeds), 25)]
    public void Random_dense_networks_run_in_onnx_runtime_as_in_torchsharp(int seed)
    {
        using var scope = NewDisposeScope();
        var draw = RandomNetworks.Network(seed);
        using var model = draw.Model;
        RandomNetworks.Train(draw with { Steps = Math.Min(draw.Steps, 3) }, seed);
        CheckAgainstOnnxRuntime(model, new[] { draw.Inputs }, seed, draw.Description, draw.InputScale);
    }

    public static IEnumerable<object[]> Seeds(int count) => Enumerable.Range(0, count).Select(s => new object[] { s });

    // Exports the model and its vanilla_export(); both files give the eval-mode model's outputs for batches of 1 and 5,
    // and carry the model's bound.
    private void CheckAgainstOnnxRuntime(nn.Module<Tensor, Tensor> model, long[] shape, int seed, string what, double scale = 1.0)
    {
        model.eval();
        var generator = new Generator(1000 + (ulong)seed);
        double bound = lipschitz_upper_bound(model);
        var path = Path.Combine(_dir, $"model-{seed}.onnx");
        OnnxExport.Save(model, path, shape);
        Assert.Equal(bound, OnnxMetadata.Read(path).LipschitzUpperBound);

        nn.Module<Tensor, Tensor>? export = model is LipschitzModule lm ? lm.vanilla_export() : null;
        var exportPath = Path.Combine(_dir, $"export-{seed}.onnx");
        if (export is not null) OnnxExport.Save(export, exportPath, shape);
        try
        {
            foreach (long batch in new long[] { 1, 5 })
            {
                var x = randn(new[] { batch }.Concat(shape).ToArray(), generator: generator).mul(scale);
                Tensor expected;
                using (no_grad()) expected = model.call(x);
                double error = OnnxRuntimeRunner.RelativeError(expected, OnnxRuntimeRunner.Run(path, x));
                output.WriteLine(FormattableString.Invariant($"{what}, batch {batch}: relative error {error:G3}"));
                Assert.True(error <= Tolerance, $"{what}, batch {batch}: ONNX Runtime differs from TorchSharp by {error:G3} (relative to max(1, max|y|)).");
                if (export is null) continue;
                double exportError = OnnxRuntimeRunner.RelativeError(expected, OnnxRuntimeRunner.Run(exportPath, x));
                Assert.True(exportError <= Tolerance, $"{what} (vanilla_export), batch {batch}: ONNX Runtime differs from TorchSharp by {exportError:G3}.");
            }
        }
        finally { export?.Dispose(); }
    }

    [Fact]
    public void The_metadata_carries_the_certified_bound_version_opset_and_input_shape()
    {
        using var scope = NewDisposeScope();
        using var model = Sequential(3.7, SpectralLinear(10, 8), GroupSort2(), FrobeniusLinear(8, 1));
        var path = Path.Combine(_dir, "meta.onnx");
        OnnxExport.Save(model, path, 10);
        var meta = OnnxMetadata.Read(path);
        Assert.Equal(lipschitz_upper_bound(model), meta.LipschitzUpperBound);
        Assert.True(meta.LipschitzUpperBound > 3.7 && meta.LipschitzUpperBound < 3.7 * 1.001, $"bound {meta.LipschitzUpperBound}");
        Assert.Equal(OnnxExport.Opset, meta.Opset);
        Assert.Equal(new long[] { 10 }, meta.InputShape);
        Assert.False(string.IsNullOrEmpty(meta.Version));
        Assert.Equal(meta.LipschitzUpperBound!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), meta.Properties[OnnxMetadata.LipschitzBoundKey]);

        // A plain network gets its computed rigorous bound.
        using var plain = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2));
        OnnxExport.Save(plain, path, 4);
        double expected = lipschitz_upper_bound(plain);
        Assert.True(double.IsFinite(expected) && expected > 0);
        Assert.Equal(expected, OnnxMetadata.Read(path).LipschitzUpperBound);
    }

    [Fact]
    public void The_metadata_carries_each_outputs_bound_below_the_maps_for_disjoint_neurons()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "outputs.onnx");
        using var disjoint = Sequential(SpectralLinear(6, 8), GroupSort2(), FrobeniusLinear(8, 10, disjoint_neurons: true));
        OnnxExport.Save(disjoint, path, 6);
        var meta = OnnxMetadata.Read(path);
        Assert.Equal(output_lipschitz_upper_bound(disjoint), meta.OutputLipschitzUpperBound);
        // Each output 1-Lipschitz (with the allowance), the map √10.
        Assert.InRange(meta.OutputLipschitzUpperBound!.Value, 1.0, Math.Pow(1 + 1e-5, 2));
        Assert.InRange(meta.LipschitzUpperBound!.Value, Math.Sqrt(10), Math.Sqrt(10) * Math.Pow(1 + 1e-5, 2));

        // An orthogonal last layer: each output's bound is the map's.
        using var orthogonal = Sequential(SpectralLinear(6, 8), GroupSort2(), SpectralLinear(8, 10));
        OnnxExport.Save(orthogonal, path, 6);
        meta = OnnxMetadata.Read(path);
        Assert.Equal(meta.LipschitzUpperBound, meta.OutputLipschitzUpperBound);
    }

    [Fact]
    public void An_unsupported_layer_is_refused_with_its_type_and_the_supported_list()
    {
        using var model = nn.Sequential(("dense", nn.Linear(4, 4)), ("act", nn.GELU()));
        var path = Path.Combine(_dir, "never.onnx");
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.Save(model, path, 4));
        Assert.Contains("(act)", e.Message);
        Assert.Contains("GELU", e.Message);
        Assert.Contains("Supported:", e.Message);
        Assert.Contains("GroupSort2", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_float64_model_and_a_bad_input_shape_are_refused_with_the_fix()
    {
        using var model = nn.Sequential(nn.Linear(4, 2));
        var e = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, 0));
        Assert.Contains("inputShape", e.Message);
        model.to(ScalarType.Float64);
        var f = Assert.Throws<ArgumentException>(() => OnnxExport.ToBytes(model, 4));
        Assert.Contains("Float64", f.Message);
        Assert.Contains("float32", f.Message);
    }

    [Fact]
    public void Export_changes_no_state_of_the_model()
    {
        using var scope = NewDisposeScope();
        using var model = Sequential(SpectralConv2d(2, 4, 3, padding: 1), GroupSort2(), nn.Flatten(), SpectralLinear(4 * 5 * 5, 2));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        OnnxExport.ToBytes(model, 2, 5, 5);
        foreach (var (key, value) in model.state_dict())
            Assert.True(before[key].eq(value).all().item<bool>(), $"{key} changed");
    }
}
