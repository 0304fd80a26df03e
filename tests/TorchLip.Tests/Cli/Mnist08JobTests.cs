using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Cli.Jobs;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace TorchLip.Tests.Cli;

/// <summary>
/// The whole tutorial job with its defaults (seed 0, 10 epochs) on the real MNIST, acquired by the data layer and
/// cached between runs. About 30 s on one thread.
/// </summary>
[Collection(SoloCollection.Name)]
[Trait("Category", "Network")]
[Trait("Category", "RealData")]
public class Mnist08JobTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly string _output = Path.Combine(Path.GetTempPath(), "torchlip-mnist08-" + Guid.NewGuid().ToString("N"));

    public Mnist08JobTests(ITestOutputHelper log)
    {
        _log = log;
        torch.set_num_threads(1);
    }

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Fact]
    public void TheTutorialReachesItsFiguresAndWritesEveryFile()
    {
        using var text = new StringWriter();
        var options = new Mnist08Options { Threads = 1, Output = _output };

        var wall = System.Diagnostics.Stopwatch.StartNew();
        var returned = Mnist08Job.Run(options, text);
        double wallSeconds = wall.Elapsed.TotalSeconds;

        _log.WriteLine(text.ToString());
        var printed = text.ToString();
        Assert.Contains("Train set size: 11774 samples, classes proportions: 50.31 %", printed);
        Assert.Contains("Test set size: 1954 samples, classes proportions: 50.15 %", printed);
        Assert.Contains("UserWarning: Sequential model contains a layer which is not a Lipschitz layer: Flatten(start_dim=1, end_dim=-1)", printed);
        Assert.Contains("Epoch 10/10  loss: ", printed);

        foreach (var file in new[] { Mnist08Job.ModelFile, Mnist08Job.ExportedFile, Mnist08Job.ReportFile, Mnist08Job.PlotFile })
            Assert.True(new FileInfo(Path.Combine(_output, file)).Length > 0, file);
        Assert.Empty(Directory.GetFiles(_output, ".*"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(Path.Combine(_output, Mnist08Job.PlotFile)).Take(4));

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, Mnist08Job.ReportFile)));
        var root = report.RootElement;
        var epochs = root.GetProperty("epochs").EnumerateArray().ToList();
        Assert.Equal(10, epochs.Count);
        var last = epochs[^1];
        Assert.Equal(10, last.GetProperty("epoch").GetInt32());
        Assert.True(last.GetProperty("val_acc").GetDouble() >= 0.99, $"val_acc {last.GetProperty("val_acc").GetDouble()}");
        Assert.True(last.GetProperty("val_kr").GetDouble() >= 7.0, $"val_kr {last.GetProperty("val_kr").GetDouble()}");
        foreach (var key in new[] { "loss", "kr", "acc", "val_loss" }) Assert.True(last.TryGetProperty(key, out _), key);

        var lipschitz = root.GetProperty("lipschitz");
        Assert.InRange(lipschitz.GetProperty("pairwise_estimate").GetDouble(), 0.0, 1.0);
        Assert.InRange(lipschitz.GetProperty("eps_estimate").GetDouble(), 0.0, 1.0);

        var singular = root.GetProperty("singular_values");
        foreach (var phase in new[] { "before_export", "after_export" })
        {
            var layers = singular.GetProperty(phase).EnumerateArray().ToList();
            Assert.Equal(4, layers.Count);
            foreach (var layer in layers)
            {
                Assert.InRange(layer.GetProperty("min").GetDouble(), 1 - 1e-5, 1 + 1e-5);
                Assert.InRange(layer.GetProperty("max").GetDouble(), 1 - 1e-5, 1 + 1e-5);
            }
        }
        Assert.InRange(root.GetProperty("export_max_abs_diff").GetDouble(), 0.0, 1e-5);
        Assert.Equal(0, root.GetProperty("seed").GetInt64());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        // Every phase does work, the phases do not overlap, and the job's total is within the wall time seen from outside.
        var timings = root.GetProperty("timings");
        double sum = 0;
        foreach (var phase in new[] { "data", "training", "evaluation", "estimates", "svd", "export", "save" })
        {
            double seconds = timings.GetProperty(phase).GetDouble();
            Assert.True(seconds > 0, $"{phase}: {seconds} s");
            sum += seconds;
        }
        double total = timings.GetProperty("total").GetDouble();
        Assert.InRange(sum, 0, total);
        Assert.InRange(total, timings.GetProperty("training").GetDouble(), wallSeconds);
        Assert.Equal(returned.Epochs[^1].ValAcc, last.GetProperty("val_acc").GetDouble());

        AssertSavedModelsAgree();
    }

    [Fact]
    public void ABatchLargerThanTheTrainingSetIsRefusedWithTheSetsSize()
    {
        var e = Assert.Throws<OptionsException>(() => Mnist08Job.Run(new Mnist08Options { BatchSize = 20_000, Output = _output }, TextWriter.Null));
        Assert.Contains("--batch-size (20000) is larger than the training set (11774 samples of digits 0 and 8)", e.Message);
    }

    [Fact]
    public void AnyPairOfDigitsCanBeTrained()
    {
        using var text = new StringWriter();
        var report = Mnist08Job.Run(new Mnist08Options { Digits = new[] { 1, 7 }, Epochs = 1, Output = _output }, text);
        _log.WriteLine(text.ToString());
        Assert.Equal(new[] { 1, 7 }, report.Options.Digits);
        Assert.Equal(6742 + 6265, report.TrainSize);   // MNIST's training counts of digits 1 and 7
        Assert.True(report.Epochs[^1].ValAcc > 0.95, $"val_acc {report.Epochs[^1].ValAcc}");
    }

    private void AssertSavedModelsAgree()
    {
        // model.dat loads into a fresh tutorial model and model_exported.dat into a plain Sequential; both compute the same.
        using var scope = torch.NewDisposeScope();
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        using var model = Mnist08Model.Build();
        Warnings.Handler = previous;
        model.load(Path.Combine(_output, Mnist08Job.ModelFile));
        model.eval();
        using var plain = nn.Sequential(
            ("0", nn.Flatten()), ("1", nn.Linear(784, 128)), ("2", torchlip.FullSort()), ("3", nn.Linear(128, 64)),
            ("4", torchlip.FullSort()), ("5", nn.Linear(64, 32)), ("6", torchlip.FullSort()), ("7", nn.Linear(32, 1)));
        plain.load(Path.Combine(_output, Mnist08Job.ExportedFile));
        plain.eval();
        var x = torch.rand(64, 1, 28, 28, generator: new Generator(1));
        using var noGrad = torch.no_grad();
        double diff = (model.call(x) - plain.call(x)).abs().max().item<float>();
        Assert.InRange(diff, 0.0, 1e-5);
    }
}
