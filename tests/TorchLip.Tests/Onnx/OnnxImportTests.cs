using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Onnx;
using TorchLip.Onnx;
using TorchLip.Tests.Interop;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Onnx;

/// <summary>
/// ONNX import: plain Sequentials written by OnnxExport come back as Sequentials with the same outputs (≤ 1e-5 relative
/// to max(1, max|y|), against TorchSharp and ONNX Runtime) and the same certify_model bound; files written by PyTorch's
/// torch.onnx.export reproduce PyTorch's outputs; unsupported operators, residual graphs, asymmetric pads and files that
/// are not ONNX are refused with messages naming the problem.
/// </summary>
public sealed class OnnxImportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly string _dir = Directory.CreateTempSubdirectory("torchlip-onnx-import-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static nn.Module<Tensor, Tensor> Seq(params nn.Module<Tensor, Tensor>[] layers) => nn.Sequential(layers);

    /// <summary>One plain network per supported layer type (name, model, one sample's shape).</summary>
    private static IEnumerable<(string Name, Func<nn.Module<Tensor, Tensor>> Make, long[] Shape)> Cases()
    {
        yield return ("Linear, ReLU, Tanh, Sigmoid (Gemm)", () => Seq(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3, hasBias: false), nn.Sigmoid()), new long[] { 6 });
        yield return ("Linear on 3-D input (MatMul, Add), LeakyReLU", () => Seq(nn.Linear(5, 4), nn.LeakyReLU(0.3), nn.Linear(4, 3, hasBias: false)), new long[] { 2, 5 });
        yield return ("Conv2d padding stride, ReLU, MaxPool2d, Flatten, Linear", () => Seq(nn.Conv2d(3, 4, 3, stride: 2, padding: 1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 2 * 2, 3)), new long[] { 3, 9, 8 });
        yield return ("Conv2d stride dilation groups", () => Seq(nn.Conv2d(4, 6, (3, 2), (2, 1), (1, 2), (1, 2), groups: 2)), new long[] { 4, 9, 8 });
        yield return ("Conv1d, Tanh, Flatten, Linear", () => Seq(nn.Conv1d(2, 3, 3, stride: 2, padding: 1), nn.Tanh(), nn.Flatten(), nn.Linear(3 * 6, 2)), new long[] { 2, 11 });
        yield return ("Conv2d, BatchNorm2d, ReLU, AvgPool2d", () => Seq(nn.Conv2d(3, 4, 3, padding: 1), WithStatistics(nn.BatchNorm2d(4)), nn.ReLU(), nn.AvgPool2d(3, 2, 1)), new long[] { 3, 8, 7 });
        yield return ("Linear, BatchNorm1d, ReLU6", () => Seq(nn.Linear(5, 4), WithStatistics(nn.BatchNorm1d(4)), nn.ReLU6()), new long[] { 5 });
        yield return ("AvgPool2d without pad count", () => Seq(nn.AvgPool2d(new long[] { 3, 3 }, new long[] { 2, 2 }, new long[] { 1, 1 }, count_include_pad: false)), new long[] { 3, 8, 7 });
        yield return ("MaxPool2d padded, LPPool2d", () => Seq(nn.MaxPool2d(3, 2, 1), nn.LPPool2d(2, new long[] { 2, 2 })), new long[] { 2, 9, 8 });
        yield return ("Flatten(2, 3), Identity", () => Seq(nn.Flatten(2, 3), nn.Identity()), new long[] { 3, 4, 5 });
        yield return ("Conv2d reflect, ReLU, Conv2d circular", () => Seq(nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect), nn.ReLU(), nn.Conv2d(4, 2, 3, padding: 2, padding_mode: PaddingModes.Circular)), new long[] { 3, 8, 7 });
        yield return ("Conv1d replicate", () => Seq(nn.Conv1d(2, 3, 5, padding: 2, padding_mode: PaddingModes.Replicate)), new long[] { 2, 9 });
        yield return ("Conv2d replicate same (uneven border)", () => Seq(nn.Conv2d(3, 2, 4, Padding.Same, padding_mode: PaddingModes.Replicate)), new long[] { 3, 8, 7 });
        yield return ("PixelUnshuffle, Conv2d, PixelShuffle", () => Seq(nn.PixelUnshuffle(2), nn.Conv2d(12, 8, 1), nn.PixelShuffle(2)), new long[] { 3, 4, 6 });
    }

    public static IEnumerable<object[]> CaseNames() => Cases().Select(c => new object[] { c.Name });

    // Nonzero running statistics and affine parameters, so that eval mode differs from the identity.
    private static T WithStatistics<T>(T batch) where T : TorchSharp.Modules.BatchNorm
    {
        using (no_grad())
        {
            batch.running_mean!.uniform_(-0.5, 0.5);
            batch.running_var!.uniform_(0.5, 2.0);
            batch.weight!.uniform_(0.5, 1.5);
            batch.bias!.uniform_(-0.3, 0.3);
        }
        return batch;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void An_exported_plain_network_comes_back_with_its_outputs_and_bound(string name)
    {
        var (_, make, shape) = Cases().Single(c => c.Name == name);
        manual_seed(name.Length);
        using var scope = NewDisposeScope();
        using var model = make();
        CheckRoundTrip(model, shape, name);
    }

    [Theory]
    [MemberData(nameof(Seeds), 12)]
    public void Random_plain_chains_come_back_with_their_outputs_and_bound(int seed)
    {
        manual_seed(500 + seed);
        var random = new Random(seed);
        using var scope = NewDisposeScope();
        bool image = seed % 2 == 0;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long[] shape;
        long features;
        if (image)
        {
            long c = random.Next(1, 4), size = random.Next(6, 11), k = random.Next(1, 3) * 2 + 1, outC = random.Next(2, 6);
            shape = new[] { c, size, size };
            layers.Add(nn.Conv2d(c, outC, k, stride: random.Next(1, 3), padding: k / 2));
            layers.Add(WithStatistics(nn.BatchNorm2d(outC)));
            layers.Add(Activation(random));
            layers.Add(random.Next(2) == 0 ? nn.MaxPool2d(2) : nn.AvgPool2d(2));
            layers.Add(nn.Flatten());
            using var probe = Seq(layers.ToArray()).call(zeros(new[] { 1L }.Concat(shape).ToArray()));
            features = probe.shape[1];
            // The layers are owned by the final Sequential; the probe's Sequential is only a view of them.
        }
        else
        {
            features = random.Next(2, 9);
            shape = new[] { features };
        }
        for (int i = random.Next(1, 4); i > 0; i--)
        {
            long next = random.Next(2, 9);
            layers.Add(nn.Linear(features, next, hasBias: random.Next(4) != 0));
            layers.Add(Activation(random));
            features = next;
        }
        using var model = nn.Sequential(layers.ToArray());
        CheckRoundTrip(model, shape, $"seed {seed}: {string.Join(", ", layers.Select(l => l.GetName()))}");
    }

    public static IEnumerable<object[]> Seeds(int count) => Enumerable.Range(0, count).Select(s => new object[] { s });

    private static nn.Module<Tensor, Tensor> Activation(Random random) => random.Next(5) switch
    {
        0 => nn.ReLU(),
        1 => nn.Tanh(),
        2 => nn.Sigmoid(),
        3 => nn.LeakyReLU(0.05 + random.NextDouble()),
        _ => nn.ReLU6(),
    };

    // Export, import, and compare: the import's outputs with the original's and ONNX Runtime's, and its bound.
    private void CheckRoundTrip(nn.Module<Tensor, Tensor> model, long[] shape, string what)
    {
        model.eval();
        var bytes = OnnxExport.ToBytes(model, shape);
        var path = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(path, bytes);
        using var imported = OnnxImport.FromBytes(bytes);
        Assert.False(imported.training);
        Assert.All(imported.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.Equal(shape, OnnxImport.InputShape(path));
        foreach (long batch in new long[] { 1, 4 })
        {
            var x = randn(new[] { batch }.Concat(shape).ToArray());
            Tensor expected, actual;
            using (no_grad())
            {
                expected = model.call(x);
                actual = imported.call(x);
            }
            double error = OnnxRuntimeRunner.RelativeError(expected, actual);
            double runtime = OnnxRuntimeRunner.RelativeError(OnnxRuntimeRunner.Run(path, x), actual);
            output.WriteLine(FormattableString.Invariant($"{what}, batch {batch}: import vs TorchSharp {error:G3}, vs ONNX Runtime {runtime:G3}"));
            Assert.True(error <= Tolerance, $"{what}, batch {batch}: the import differs from the original by {error:G3}.");
            Assert.True(runtime <= Tolerance, $"{what}, batch {batch}: the import differs from ONNX Runtime by {runtime:G3}.");
        }
        double original = certify_model(model, shape).Bound, again = certify_model(imported, shape).Bound;
        output.WriteLine(FormattableString.Invariant($"{what}: certify_model {original:R} original, {again:R} imported"));
        Assert.True(double.IsFinite(original) && original > 0, $"bound {original}");
        Assert.True(Math.Abs(again - original) <= 1e-9 * original, $"{what}: certify_model gives {again:R} for the import, {original:R} for the original.");
    }

    [Theory]
    [InlineData("plain_chain", new long[] { 1, 8, 8 })]
    [InlineData("plain_dense", new long[] { 2, 5 })]
    [InlineData("plain_pool", new long[] { 2, 8, 8 })]
    [InlineData("plain_border", new long[] { 2, 6, 6 })]
    public void A_file_written_by_pytorch_reproduces_pytorchs_outputs(string name, long[] shape)
    {
        using var scope = NewDisposeScope();
        var path = InteropFixture.Path(name + ".onnx");
        var json = InteropFixture.Json(name + ".json");
        Assert.Equal(shape, OnnxImport.InputShape(path));
        Assert.Null(OnnxMetadata.Read(path).LipschitzUpperBound);
        using var model = OnnxImport.Load(path);
        var x = InteropFixture.Tensor(json.GetProperty("input"));
        var expected = InteropFixture.Tensor(json.GetProperty("output"));
        Tensor actual;
        using (no_grad()) actual = model.call(x);
        double error = OnnxRuntimeRunner.RelativeError(expected, actual);
        output.WriteLine(FormattableString.Invariant($"{name} (torch {json.GetProperty("torch").GetString()}): {string.Join(", ", model.children().Select(c => c.GetName()))}; error {error:G3}"));
        Assert.True(error <= Tolerance, $"{name}: the import differs from PyTorch by {error:G3}.");
        var bound = certify_model(model, shape);
        output.WriteLine(bound.ToTable());
        Assert.True(double.IsFinite(bound.Bound) && bound.Bound > 0);
    }

    // A hand-built graph: input "input" (ONNX Runtime's runner feeds that name) of shape (N, 4), the given nodes, output "y".
    private static byte[] Graph(Action<GraphBuilder> nodes, string outputName = "y", long[]? inputShape = null)
    {
        var g = new GraphBuilder();
        nodes(g);
        var dims = new TensorShapeProto();
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var d in inputShape ?? new long[] { 4 }) dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = dims } };
        g.Graph.Input.Add(new ValueInfoProto { Name = "input", Type = type });
        g.Graph.Output.Add(new ValueInfoProto { Name = outputName });
        var model = new ModelProto { IrVersion = 8, Graph = g.Graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static void Rename(GraphBuilder g, string from) =>
        g.Graph.Node.Add(new NodeProto { OpType = "Identity", Name = "out", Input = { from }, Output = { "y" } });

    [Theory]
    [InlineData(new long[] { -1, 6 })]
    [InlineData(new long[] { 0, -1 })]
    [InlineData(new long[] { 0, 6 })]
    public void A_reshape_to_a_constant_shape_after_the_batch_is_read_as_a_flatten(long[] target)
    {
        using var scope = NewDisposeScope();
        var bytes = Graph(g =>
        {
            var shape = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 } };
            shape.Int64Data.AddRange(target);
            g.Graph.Node.Add(new NodeProto { OpType = "Constant", Name = "shape", Output = { "target" }, Attribute = { new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = shape } } });
            Rename(g, g.Node("Relu", new[] { g.Node("Reshape", new[] { "input", "target" }) }));
        }, inputShape: new long[] { 2, 3 });
        using var model = OnnxImport.FromBytes(bytes);
        Assert.Equal(new[] { "Flatten", "ReLU" }, model.children().Select(c => c.GetName()));
        var x = randn(5, 2, 3);
        var path = Path.Combine(_dir, "reshape.onnx");
        File.WriteAllBytes(path, bytes);
        using (no_grad())
        {
            var actual = model.call(x);
            Assert.Equal(0.0, OnnxRuntimeRunner.RelativeError(OnnxRuntimeRunner.Run(path, x), actual));
            Assert.Equal(0.0, OnnxRuntimeRunner.RelativeError(nn.functional.relu(x.reshape(5, 6)), actual));
        }
    }

    [Fact]
    public void A_reshape_that_moves_the_batch_is_refused()
    {
        var bytes = Graph(g =>
        {
            var target = g.Int64Vector("shape", 3, 4);
            Rename(g, g.Node("Reshape", new[] { "input", target }));
        }, inputShape: new long[] { 2, 3 });
        var e = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(bytes));
        Assert.Contains("(Reshape, #0)", e.Message);
        Assert.Contains("batch", e.Message);
    }

    [Fact]
    public void An_unsupported_operator_is_refused_with_the_node_and_the_supported_list()
    {
        var bytes = Graph(g =>
        {
            var h = g.Node("Gemm", new[] { "input", g.Floats("w", new float[16], 4, 4) }, GraphBuilder.Int("transB", 1));
            Rename(g, g.Node("Exp", new[] { h }));
        });
        var e = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(bytes));
        Assert.Contains("'Exp_0'", e.Message);
        Assert.Contains("(Exp, #1)", e.Message);
        Assert.Contains("Supported:", e.Message);
        Assert.Contains("BatchNormalization", e.Message);
    }

    [Fact]
    public void A_residual_graph_is_refused_as_not_a_chain()
    {
        var bytes = Graph(g =>
        {
            var h = g.Node("Relu", new[] { g.Node("Gemm", new[] { "input", g.Floats("w", new float[16], 4, 4) }, GraphBuilder.Int("transB", 1)) });
            Rename(g, g.Node("Add", new[] { h, "input" }));
        });
        var e = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(bytes));
        Assert.Contains("(Add, #2)", e.Message);
        Assert.Contains("'input'", e.Message);
        Assert.Contains("not a single chain", e.Message);
        Assert.Contains("sequential chains only", e.Message);
        Assert.Contains("residual", e.Message);
    }

    [Fact]
    public void Asymmetric_convolution_pads_are_refused_with_the_fix()
    {
        var bytes = Graph(g => Rename(g, g.Node("Conv", new[] { "input", g.Floats("k", new float[9], 1, 1, 3, 3) },
            GraphBuilder.Ints("kernel_shape", new long[] { 3, 3 }), GraphBuilder.Ints("pads", new long[] { 0, 0, 1, 1 }))), inputShape: new long[] { 1, 6, 6 });
        var e = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(bytes));
        Assert.Contains("(Conv, #0)", e.Message);
        Assert.Contains("asymmetric pads (0, 0, 1, 1", e.Message);
        Assert.Contains("symmetric padding", e.Message);
    }

    [Fact]
    public void A_float64_weight_is_refused_by_name()
    {
        var bytes = Graph(g =>
        {
            var w = new TensorProto { Name = "w64", DataType = (int)TensorProto.Types.DataType.Double, Dims = { 4, 4 } };
            w.DoubleData.AddRange(new double[16]);
            g.Graph.Initializer.Add(w);
            Rename(g, g.Node("Gemm", new[] { "input", "w64" }, GraphBuilder.Int("transB", 1)));
        });
        var e = Assert.Throws<NotSupportedException>(() => OnnxImport.FromBytes(bytes));
        Assert.Contains("w64", e.Message);
        Assert.Contains("double", e.Message);
        Assert.Contains("float32", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_with_its_path()
    {
        var path = Path.Combine(_dir, "notes.onnx");
        File.WriteAllText(path, "these are not the weights you are looking for\n");
        var e = Assert.Throws<InvalidDataException>(() => OnnxImport.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not an ONNX model", e.Message);
        Assert.Throws<InvalidDataException>(() => OnnxImport.InputShape(path));
    }

    [Fact]
    public void InputShape_is_null_where_a_sample_dimension_is_symbolic()
    {
        var bytes = Graph(g => Rename(g, g.Node("Relu", new[] { "input" })));
        var model = ModelProto.Parser.ParseFrom(bytes);
        model.Graph.Input[0].Type.TensorType.Shape.Dim[1] = new TensorShapeProto.Types.Dimension { DimParam = "features" };
        var path = Path.Combine(_dir, "symbolic.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        Assert.Null(OnnxImport.InputShape(path));
        using var imported = OnnxImport.Load(path);
        Assert.Single(imported.children());
        File.WriteAllBytes(path, bytes);
        Assert.Equal(new long[] { 4 }, OnnxImport.InputShape(path));
    }
}
