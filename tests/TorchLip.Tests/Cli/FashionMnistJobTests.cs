using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchLip.Cli.Jobs;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;

namespace TorchLip.Tests.Cli;

/// <summary>The Fashion-MNIST job (the docs' Example 4) for one short epoch on a subset of the real data: report keys and invariants.</summary>
[Collection(SoloCollection.Name)]
[Trait("Category", "RealData")]
public class FashionMnistJobTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly string _output = Path.Combine(Path.GetTempPath(), "torchlip-fashion-" + Guid.NewGuid().ToString("N"));

    public FashionMnistJobTests(ITestOutputHelper log)
    {
        _log = log;
        torch.set_num_threads(1);
    }

    public void Dispose()
    {
        if (Directory.Exists(_output)) Directory.Delete(_output, recursive: true);
    }

    [Fact]
    public void ASmallRunWritesEveryKeyAndNoAttackBeatsACertificate()
    {
        using var text = new StringWriter();
        var options = new FashionMnistOptions { TrainSamples = 600, TestSamples = 200, Epochs = 1, AttackSamples = 20, AttackSteps = 3, AttackRounds = 6, FoolingImages = 4, Output = _output };

        var report = FashionMnistJob.Run(options, text);

        _log.WriteLine(text.ToString());
        foreach (var file in new[] { FashionMnistJob.ModelFile, FashionMnistJob.ReportFile, FashionMnistJob.PlotFile, FashionMnistJob.RobustnessFile, FashionMnistJob.FoolingFile })
            Assert.True(new FileInfo(Path.Combine(_output, file)).Length > 0, file);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, FashionMnistJob.ReportFile)));
        var root = json.RootElement;
        double accuracy = root.GetProperty("validation_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.0, 1.0);
        Assert.True(double.IsFinite(root.GetProperty("kr").GetDouble()));
        var certified = root.GetProperty("certified_accuracy");
        double previous = accuracy;
        foreach (var eps in new[] { "0.1", "0.25", "0.5", "1" })
        {
            double cra = certified.GetProperty(eps).GetDouble();
            Assert.InRange(cra, 0.0, previous);   // certified ≤ clean, and falls with the radius
            previous = cra;
        }
        Assert.True(root.GetProperty("mean_certificate").GetDouble() > 0);
        var attack = root.GetProperty("attack");
        Assert.Equal(20, attack.GetProperty("samples").GetInt32());
        Assert.True(attack.GetProperty("median_distance").GetDouble() > 0);
        Assert.Equal(0, attack.GetProperty("certificate_violations").GetInt64());
        Assert.True(attack.GetProperty("tightest_ratio").GetDouble() >= 1 - 1e-5);
        Assert.Equal(FashionMnistJob.ModelFile, root.GetProperty("checkpoint").GetString());
        double upper = root.GetProperty("lipschitz_upper_bound").GetDouble();
        Assert.InRange(upper, 1.0, Math.Sqrt(10) * Math.Pow(1 + 1e-5, 4));   // the disjoint head: each output 1, the map √10
        var lipschitz = root.GetProperty("lipschitz");
        Assert.InRange(lipschitz.GetProperty("pairwise_estimate").GetDouble(), 0.0, upper);
        Assert.InRange(lipschitz.GetProperty("eps_estimate").GetDouble(), 0.0, upper);
        var epochs = root.GetProperty("epochs");
        Assert.Equal(1, epochs.GetArrayLength());
        foreach (var key in new[] { "loss", "acc", "KR", "val_loss", "val_acc", "val_KR" })
            Assert.True(epochs[0].TryGetProperty(key, out _), key);
        Assert.Equal(report.ValidationAccuracy, accuracy);
        Assert.Contains("Epoch 1/1  loss: ", text.ToString());
        Assert.NotNull(report.Attack.Fooled);
        Assert.All(report.Attack.Fooled!, f => Assert.True(f.Distance >= f.Certificate * (1 - 1e-5), $"image {f.Index}: distance {f.Distance} below certificate {f.Certificate}"));
        Assert.All(report.Attack.Curve, p => Assert.True(p.Certified <= p.Empirical, $"at eps {p.Epsilon}: certified {p.Certified} above empirical {p.Empirical}"));
    }

    [Fact]
    public void UnusableOptionsAreRejectedBeforeAnyWork()
    {
        var e = Assert.Throws<OptionsException>(() => FashionMnistJob.Run(new FashionMnistOptions { Temperature = 0, Output = _output }, TextWriter.Null));
        Assert.StartsWith("--temperature must be a finite number > 0", e.Message);
        Assert.False(Directory.Exists(_output));
    }
}
