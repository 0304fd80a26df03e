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

/// <summary>The ten-class job for a fraction of an epoch on a subset of the real MNIST: report keys and invariants.</summary>
[Collection(SoloCollection.Name)]
[Trait("Category", "RealData")]
public class MnistJobTests : IDisposable
{
    private readonly ITestOutputHelper _log;
    private readonly string _output = Path.Combine(Path.GetTempPath(), "torchlip-mnist-" + Guid.NewGuid().ToString("N"));

    public MnistJobTests(ITestOutputHelper log)
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
        var options = new MnistOptions { TrainSamples = 640, TestSamples = 300, Epochs = 1, AttackSamples = 40, AttackSteps = 3, AttackRounds = 6, Output = _output };

        var report = MnistJob.Run(options, text);

        _log.WriteLine(text.ToString());
        foreach (var file in new[] { MnistJob.ModelFile, MnistJob.ReportFile, MnistJob.PlotFile, MnistJob.RobustnessFile })
            Assert.True(new FileInfo(Path.Combine(_output, file)).Length > 0, file);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_output, MnistJob.ReportFile)));
        var root = json.RootElement;
        double clean = root.GetProperty("clean_accuracy").GetDouble();
        Assert.InRange(clean, 0.0, 1.0);
        var certified = root.GetProperty("certified_accuracy");
        double previous = clean;
        foreach (var eps in new[] { "0.5", "1", "1.58", "2" })
        {
            double cra = certified.GetProperty(eps).GetDouble();
            Assert.InRange(cra, 0.0, previous);   // certified ≤ clean, and falls with the radius
            previous = cra;
        }
        Assert.True(root.GetProperty("mean_certificate").GetDouble() > 0);
        var attack = root.GetProperty("attack");
        Assert.Equal(40, attack.GetProperty("samples").GetInt32());
        Assert.True(attack.GetProperty("median_distance").GetDouble() > 0);
        Assert.Equal(0, attack.GetProperty("certificate_violations").GetInt64());
        Assert.Equal(MnistJob.ModelFile, root.GetProperty("checkpoint").GetString());
        double upper = root.GetProperty("lipschitz_upper_bound").GetDouble();
        Assert.InRange(upper, 1.0, Math.Pow(1 + 1e-5, 5));   // 5 constrained layers, each with its rounding allowance
        double computed = root.GetProperty("computed_upper_bound").GetDouble();
        var lipschitz = root.GetProperty("lipschitz");
        double pairwise = lipschitz.GetProperty("pairwise_estimate").GetDouble(), epsEstimate = lipschitz.GetProperty("eps_estimate").GetDouble();
        Assert.InRange(computed, Math.Max(pairwise, epsEstimate), upper);   // a true bound of the same map, without the blanket allowance
        Assert.InRange(pairwise, 0.0, upper);
        Assert.InRange(epsEstimate, 0.0, upper);
        Assert.Equal(1, root.GetProperty("epochs").GetArrayLength());
        Assert.Equal(report.CleanAccuracy, clean);
        Assert.Contains("Epoch 1/1  loss: ", text.ToString());
        Assert.All(report.Attack.Curve, p => Assert.True(p.Certified <= p.Empirical, $"at eps {p.Epsilon}: certified {p.Certified} above empirical {p.Empirical}"));
    }

    [Fact]
    public void TheMarginCrossEntropyIsTauCrossEntropyWithTheTrueLogitLoweredByTheMargin()
    {
        using var scope = NewDisposeScope();
        const double tau = 4, margin = 3;
        var loss = new MnistJob().Loss(new MnistOptions { Loss = MnistOptions.MarginCrossEntropy, Tau = tau, MinMargin = margin, Output = _output });
        var f = randn(new long[] { 6, 10 }, generator: new Generator(7)).mul(3).requires_grad_();
        var y = tensor(new long[] { 0, 1, 2, 3, 4, 9 });

        var value = loss(f, y);

        // -log softmax(τ·(f − m·e_y))_y / τ, averaged, in float64 by hand.
        var scores = f.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        double expected = 0;
        for (int i = 0; i < 6; i++)
        {
            int label = (int)y[i].item<long>();
            var z = Enumerable.Range(0, 10).Select(j => tau * (scores[i * 10 + j] - (j == label ? margin : 0))).ToArray();
            double max = z.Max();
            expected += (max + Math.Log(z.Sum(v => Math.Exp(v - max))) - z[label]) / tau;
        }
        Assert.Equal(expected / 6, value.item<float>(), 5);
        var e = Assert.Throws<OptionsException>(() => MnistJob.Run(new MnistOptions { Loss = "margin", Output = _output }, TextWriter.Null));
        Assert.StartsWith("--loss must be tau-ce, margin-ce or hkr, got margin.", e.Message);
    }

    [Fact]
    public void UnusableOptionsAreRejectedBeforeAnyWork()
    {
        var e = Assert.Throws<OptionsException>(() => MnistJob.Run(new MnistOptions { Tau = 0, Output = _output }, TextWriter.Null));
        Assert.StartsWith("--tau must be a finite number > 0", e.Message);
        e = Assert.Throws<OptionsException>(() => MnistJob.Run(new MnistOptions { Network = "resnet", Output = _output }, TextWriter.Null));
        Assert.StartsWith("--network must be strided or pooled, got resnet.", e.Message);
        Assert.False(Directory.Exists(_output));
    }

    [Theory]
    [InlineData(MnistOptions.Strided, 5)]
    [InlineData(MnistOptions.Pooled, 4)]
    public void EachNetworkIsOneLipschitzAsItsSingularValuesShow(string network, int constrained)
    {
        // The layers' exact singular values (convolutions through their operator on 28×28 inputs) after a few steps
        // at a large learning rate: none above 1 + 1e-5, and their product bounds the map as lipschitz_upper_bound says.
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var options = new MnistOptions { Network = network, Channels = 4, Hidden = 16, Output = _output };
        using var model = MnistJob.Build(options);
        var optimizer = optim.Adam(model.parameters(), 0.5);
        var x = rand(new long[] { 32, 1, 28, 28 }, generator: new Generator(5));
        var y = randint(0, 10, new long[] { 32 }, generator: new Generator(6));
        for (int step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            optimizer.step();
        }
        model.eval();
        var spectra = TorchLip.torchlip.compute_model_sv(model, new long[] { 1, 28, 28 });
        Assert.Equal(constrained, spectra.Count);
        Assert.All(spectra, layer => Assert.True(layer.Max <= 1 + 1e-5, $"({layer.Layer}) {layer.Kind}: sigma_max {layer.Max}"));
        double upper = TorchLip.torchlip.lipschitz_upper_bound(model);
        Assert.InRange(upper, 1.0, Math.Pow(1 + 1e-5, constrained));
        Assert.True(spectra.Aggregate(1.0, (product, layer) => product * layer.Max) <= upper);
    }
}
