using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Cli.Jobs;
using TorchLip.Data;
using TorchLip.Onnx;
using TorchLip.PyTorch;
using TorchLip.Tests.Onnx;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Cli;

/// <summary>
/// <c>torchlip export</c> and <c>torchlip certify</c> on a real mnist08 checkpoint (trained once, 2 epochs): every
/// exported file gives the model's outputs, and certify gives the library's own figures whatever file it reads; its
/// computed bound of an unconstrained model survives an attack; bad input is a clear error.
/// </summary>
[Collection(SoloCollection.Name)]
[Trait("Category", "RealData")]
public sealed class ExportCertifyTests : IClassFixture<ExportCertifyTests.TrainedCheckpoint>, IDisposable
{
    /// <summary>The plain layers of the mnist08 model's export, in plain_sequential's grammar.</summary>
    public const string Mnist08Architecture = "flatten; linear(784, 128); fullsort; linear(128, 64); fullsort; linear(64, 32); fullsort; linear(32, 1)";

    private readonly TrainedCheckpoint _trained;
    private readonly ITestOutputHelper _log;
    private readonly string _dir = Directory.CreateTempSubdirectory("torchlip-export-").FullName;

    public ExportCertifyTests(TrainedCheckpoint trained, ITestOutputHelper log)
    {
        (_trained, _log) = (trained, log);
        torch.set_num_threads(1);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A mnist08 run of 2 epochs, shared by the tests of the class.</summary>
    public sealed class TrainedCheckpoint : IDisposable
    {
        public TrainedCheckpoint()
        {
            torch.set_num_threads(1);
            Mnist08Job.Run(new Mnist08Options { Epochs = 2, Threads = 1, Output = Directory }, TextWriter.Null);
        }

        public string Directory { get; } = Path.Combine(Path.GetTempPath(), "torchlip-export-run-" + Guid.NewGuid().ToString("N"));

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }

    private string File_(string name) => Path.Combine(_dir, name);

    private CertifyReport Certify(CertifyOptions options)
    {
        using var text = new StringWriter();
        var report = CertifyJob.Run(options with { Histogram = options.Histogram ?? File_(Guid.NewGuid().ToString("N") + ".png") }, text);
        _log.WriteLine(text.ToString());
        return report;
    }

    private static (Tensor X, Tensor Y) TestSet()
    {
        using var set = MnistDataset.Load(train: false);
        var data = DataPreparation.prepare_data(set, 0, 8);
        return (data.x, data.y);
    }

    [Fact]
    public void Export_writes_every_format_and_each_file_gives_the_models_outputs()
    {
        using var scope = torch.NewDisposeScope();
        var options = new ExportOptions
        {
            Checkpoint = _trained.Directory,
            Pth = File_("m.pth"), Safetensors = File_("m.safetensors"), Onnx = File_("m.onnx"), DeelTorchlip = File_("deel.pth"),
        };
        using var text = new StringWriter();
        var (map, each) = ExportJob.Run(options, text);
        _log.WriteLine(text.ToString());

        using var loaded = JobCheckpoint.LoadModel(_trained.Directory);
        var model = loaded.Model;
        Assert.Equal(lipschitz_upper_bound(model), map);
        Assert.Equal(new long[] { 1, 28, 28 }, loaded.SampleShape);
        var x = TestSet().X.narrow(0, 0, 64);
        Tensor expected;
        using (no_grad()) expected = model.call(x);

        foreach (var file in new[] { options.Pth, options.Safetensors })
        {
            using var plain = plain_sequential(Mnist08Architecture);
            if (file!.EndsWith(".pth")) pytorch.load_pth(plain, file); else pytorch.load_safetensors(plain, file);
            plain.eval();
            using (no_grad()) Assert.True(MaxDifference(expected, plain.call(x)) <= 1e-6, file);
        }

        Assert.True(OnnxRuntimeRunner.RelativeError(expected, OnnxRuntimeRunner.Run(options.Onnx!, x)) <= 1e-5);
        var meta = OnnxMetadata.Read(options.Onnx!);
        Assert.Equal(map, meta.LipschitzUpperBound);
        Assert.Equal(each, meta.OutputLipschitzUpperBound);
        Assert.Equal(new long[] { 1, 28, 28 }, meta.InputShape);

        // The deel-torchlip file holds the raw weights (which training continues from) and, as deel-torchlip's cached
        // Björck result that it applies in eval mode, the weights the model applies (PythonLoadsOurFilesTests runs such
        // files in deel-torchlip itself).
        var deel = pytorch.read_pth(options.DeelTorchlip!);
        var raw = model.state_dict();
        using var applied = model.vanilla_export();
        var weights = applied.state_dict();
        foreach (var layer in new[] { "1", "3", "5", "7" })
            Assert.True(deel[layer + ".parametrizations.weight.original"].eq(raw[layer + ".weight_orig"]).all().item<bool>(), layer);
        foreach (var layer in new[] { "1", "3", "5" })
            Assert.True(MaxDifference(deel[layer + ".parametrizations.weight.1._w_bjorck"], weights[layer + ".weight"]) <= 1e-7, layer);
    }

    [Fact]
    public void Certify_gives_the_librarys_figures_for_the_checkpoint_and_the_same_for_its_onnx_and_state_dict()
    {
        using var scope = torch.NewDisposeScope();
        var onnx = File_("c.onnx");
        var pth = File_("c.pth");
        ExportJob.Run(new ExportOptions { Checkpoint = _trained.Directory, Onnx = onnx, Pth = pth }, TextWriter.Null);
        var radii = new[] { 0.5, 1.0, 1.58, 2.0 };
        var json = File_("report.json");

        var fromCheckpoint = Certify(new CertifyOptions { Model = _trained.Directory, Radii = radii, Json = json });
        var fromOnnx = Certify(new CertifyOptions { Model = onnx, Data = "mnist08", Radii = radii });
        var fromPth = Certify(new CertifyOptions { Model = pth, Data = "mnist08", Architecture = Mnist08Architecture, Radii = radii });

        // The checkpoint's figures are the library's provable_robust_accuracy on the whole test set.
        using var loaded = JobCheckpoint.LoadModel(_trained.Directory);
        var (x, y) = TestSet();
        Assert.Equal("mnist08", fromCheckpoint.Data);
        Assert.Equal(1954, fromCheckpoint.TestSamples);
        Assert.Equal(provable_robust_accuracy(loaded.Model, x, y, 0), fromCheckpoint.CleanAccuracy, 12);
        foreach (var r in radii)
            Assert.Equal(provable_robust_accuracy(loaded.Model, x, y, r), fromCheckpoint.CertifiedAccuracy[r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)], 12);
        Assert.Equal(binary_certificates(loaded.Model, x).mean().item<double>(), fromCheckpoint.MeanCertificate, 9);
        Assert.NotNull(fromCheckpoint.Layers);
        Assert.Equal(8, fromCheckpoint.Layers!.Count);

        // The ONNX file's bound is the checkpoint's, read from its metadata; ONNX Runtime's outputs agree to float32 rounding.
        Assert.Equal(fromCheckpoint.LipschitzUpperBound, fromOnnx.LipschitzUpperBound);
        Assert.Null(fromOnnx.Layers);
        Assert.Equal(fromCheckpoint.CleanAccuracy, fromOnnx.CleanAccuracy, 3);
        Assert.Equal(fromCheckpoint.MeanCertificate, fromOnnx.MeanCertificate, 4);

        // The state_dict's bound is computed from its weights: the layers are orthonormal, so about 1, never below the
        // certified σ_max of the weights applied.
        Assert.InRange(fromPth.LipschitzUpperBound, 0.999, Math.Pow(1 + 1e-5, 4));
        Assert.Equal(certify_model(loaded.Model.vanilla_export(), new long[] { 1, 28, 28 }).Bound, fromPth.LipschitzUpperBound, 12);
        foreach (var (radius, value) in fromCheckpoint.CertifiedAccuracy)
            Assert.InRange(fromPth.CertifiedAccuracy[radius], value - 0.002, value + 0.002);

        using var written = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(fromCheckpoint.CleanAccuracy, written.RootElement.GetProperty("clean_accuracy").GetDouble());
        Assert.Equal(fromCheckpoint.CertifiedAccuracy["1.58"], written.RootElement.GetProperty("certified_accuracy").GetProperty("1.58").GetDouble());
        Assert.Equal("checkpoint", written.RootElement.GetProperty("kind").GetString());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(fromCheckpoint.Histogram).Take(4));
    }

    [Fact]
    public void An_unconstrained_models_computed_bound_survives_an_attack_and_gives_the_librarys_certificates()
    {
        using var scope = torch.NewDisposeScope();
        // A plain network of the tutorial's shape, trained without any constraint (hinge loss, Adam, 300 steps).
        torch.manual_seed(3);
        using var plain = plain_sequential("flatten; linear(784, 128); relu; linear(128, 64); relu; linear(64, 32); relu; linear(32, 1)");
        using (var set = MnistDataset.Load(train: true))
        using (var train = DataPreparation.prepare_data(set, 0, 8))
        {
            var optimizer = torch.optim.Adam(plain.parameters(), 1e-3);
            var generator = new Generator(5);
            for (int step = 0; step < 300; step++)
            {
                using var stepScope = torch.NewDisposeScope();
                var index = randint(0, train.Count, new long[] { 128 }, generator: generator);
                var f = plain.call(train.x.index_select(0, index)).reshape(-1);
                var loss = nn.functional.relu(1 - train.y.index_select(0, index) * f).mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        plain.eval();
        var pth = File_("plain.pth");
        pytorch.save_pth(plain, pth);

        var report = Certify(new CertifyOptions
        {
            Model = pth, Data = "mnist08", Radii = new[] { 0.1, 0.5, 1.0 },
            Architecture = "flatten; linear(784, 128); relu; linear(128, 64); relu; linear(64, 32); relu; linear(32, 1)",
        });

        double bound = certify_model(plain, new long[] { 1, 28, 28 }).Bound;
        Assert.Equal(bound, report.LipschitzUpperBound, 12);
        var (x, y) = TestSet();
        Assert.True(report.CleanAccuracy > 0.95, $"the plain network trained: clean accuracy {report.CleanAccuracy}");
        foreach (var r in new[] { 0.1, 0.5, 1.0 })
            Assert.Equal(provable_robust_accuracy(plain, x, y, r, lipschitz_constant: bound), report.CertifiedAccuracy[r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)], 12);

        // Sound: no attack gets closer than a certificate, and the bound is above the empirical estimates.
        var xs = x.narrow(0, 0, 200);
        var radii = binary_certificates(plain, xs, lipschitz_constant: bound);
        var attack = minimal_l2_attack(plain, xs, 0, 1, steps: 10, rounds: 10);
        var violations = certificate_violations(radii, attack);
        Assert.Equal(0, violations.Violations);
        Assert.True(violations.Found > 100, $"the attack flipped {violations.Found} of 200");
        double pairwise = lipschitz_pairwise_estimate(plain, xs);
        Assert.True(pairwise <= bound, $"pairwise estimate {pairwise} above the computed bound {bound}");
        _log.WriteLine(FormattableString.Invariant($"unconstrained: bound {bound:G4}, pairwise estimate {pairwise:G4}, mean certificate {report.MeanCertificate:G4}, tightest attack/certificate {violations.TightestRatio:G4}"));
    }

    [Fact]
    public void An_onnx_file_without_a_bound_gets_one_computed_from_its_graph()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        using var plain = plain_sequential("conv2d(1, 4, 3, padding=1); relu; maxpool2d(2); flatten; linear(784, 10)");
        plain.eval();
        // The file as another tool writes it: the same graph without TorchLip's metadata.
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(plain, 1, 28, 28));
        model.MetadataProps.Clear();
        var path = File_("foreign.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
        Assert.Null(OnnxMetadata.Read(path).LipschitzUpperBound);

        var radii = new[] { 0.01, 0.05 };
        var report = Certify(new CertifyOptions { Model = path, Data = "mnist", TestSamples = 500, Radii = radii });

        var expected = certify_model(plain, new long[] { 1, 28, 28 });
        Assert.Equal(expected.Bound, report.LipschitzUpperBound, 9);
        Assert.Equal(expected.Layers.Select(l => l.Kind), report.Layers!.Select(l => l.Kind));
        Assert.Contains("computed here", report.BoundSource);
        using var set = MnistDataset.Load(train: false);
        using var data = DataPreparation.prepare_multiclass(set);
        var (x, y) = (data.x.narrow(0, 0, 500), data.y.narrow(0, 0, 500));
        // ONNX Runtime's outputs, not TorchSharp's, decide: a sample on a threshold may fall either side (1 in 500).
        foreach (var r in radii)
            Assert.InRange(report.CertifiedAccuracy[r.ToString("R", System.Globalization.CultureInfo.InvariantCulture)] - provable_robust_accuracy(plain, x, y, r, lipschitz_constant: expected.Bound), -0.002, 0.002);
    }

    [Fact]
    public void Bad_input_is_an_error_that_names_the_problem_and_the_fix()
    {
        var pth = File_("e.pth");
        ExportJob.Run(new ExportOptions { Checkpoint = _trained.Directory, Pth = pth }, TextWriter.Null);

        var e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Data = "mnist08" }, TextWriter.Null));
        Assert.Contains("describe the layers with --arch", e.Message);
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Architecture = Mnist08Architecture, Histogram = File_("h.png") }, TextWriter.Null));
        Assert.Contains("--data is required", e.Message);
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Data = "mnist", Architecture = Mnist08Architecture, TestSamples = 10, Histogram = File_("h.png") }, TextWriter.Null));
        Assert.Contains("--data mnist has 10 classes", e.Message);
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Data = "mnist08", Architecture = "flatten; linear(784, 10" }, TextWriter.Null));
        Assert.StartsWith("--arch: ", e.Message);
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = _trained.Directory, Architecture = Mnist08Architecture }, TextWriter.Null));
        Assert.Contains("Drop --arch", e.Message);
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Data = "cifar10" }, TextWriter.Null));
        Assert.Contains("--data must be one of mnist08, mnist, fashion-mnist", e.Message);
        var other = File_("model.bin");
        File.WriteAllBytes(other, new byte[] { 1, 2, 3 });
        e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = other, Data = "mnist08" }, TextWriter.Null));
        Assert.Contains("unknown kind '.bin'", e.Message);
        Assert.Throws<FileNotFoundException>(() => CertifyJob.Run(new CertifyOptions { Model = File_("none.onnx"), Data = "mnist08" }, TextWriter.Null));
        var wrong = Assert.Throws<InvalidDataException>(() => CertifyJob.Run(new CertifyOptions { Model = pth, Data = "mnist08", Architecture = "flatten; linear(784, 100); fullsort; linear(100, 1)" }, TextWriter.Null));
        Assert.Contains("1.weight: the model's tensor has shape (100, 784), the file's (128, 784)", wrong.Message);
        var notOnnx = File_("broken.onnx");
        File.WriteAllBytes(notOnnx, new byte[] { 0xff, 0xff, 0xff, 0x01 });
        Assert.Throws<InvalidDataException>(() => CertifyJob.Run(new CertifyOptions { Model = notOnnx, Data = "mnist08" }, TextWriter.Null));

        e = Assert.Throws<OptionsException>(() => ExportJob.Run(new ExportOptions { Checkpoint = _trained.Directory }, TextWriter.Null));
        Assert.Contains("give at least one of --pth FILE, --safetensors FILE, --onnx FILE, --deel-torchlip FILE", e.Message);
        e = Assert.Throws<OptionsException>(() => ExportJob.Run(new ExportOptions { Checkpoint = _trained.Directory, Pth = File_("same"), Onnx = File_("same") }, TextWriter.Null));
        Assert.Contains("two outputs name the same file", e.Message);
        var none = Assert.Throws<FileNotFoundException>(() => ExportJob.Run(new ExportOptions { Checkpoint = _dir, Onnx = File_("x.onnx") }, TextWriter.Null));
        Assert.Contains("holds no checkpoint.ckpt", none.Message);
        Assert.False(File.Exists(File_("x.onnx")));
    }

    [Fact]
    public void A_checkpoint_of_a_command_without_a_known_test_set_needs_data()
    {
        var moons = Path.Combine(_dir, "moons");
        MoonsJob.Run(new MoonsOptions { Samples = 500, BatchSize = 100, Epochs = 1, Output = moons }, TextWriter.Null);
        var e = Assert.Throws<OptionsException>(() => CertifyJob.Run(new CertifyOptions { Model = moons }, TextWriter.Null));
        Assert.Contains("'torchlip moons' model, which has no test set certify knows", e.Message);

        // Its export still works, with the moons' input shape (2).
        var onnx = File_("moons.onnx");
        ExportJob.Run(new ExportOptions { Checkpoint = moons, Onnx = onnx }, TextWriter.Null);
        Assert.Equal(new long[] { 2 }, OnnxMetadata.Read(onnx).InputShape);
    }

    private static double MaxDifference(Tensor a, Tensor b) => a.sub(b).abs().max().item<float>();
}
