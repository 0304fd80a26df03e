using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Evaluation;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>
/// certify_model on plain networks: its bound is never beaten by gradient ascent on the Lipschitz ratio, every linear
/// layer's row is at least that layer's exact operator norm (float64 SVD of its matrix), batch normalization's row is its
/// exact constant, and a layer without a known bound is an error naming it.
/// </summary>
public class ModelCertificationTests
{
    /// <summary>Random plain networks covering every supported layer type, with their per-sample input shapes.</summary>
    public static IEnumerable<object[]> Networks() => new[]
    {
        new object[] { "linear(6, 8); relu; linear(8, 8); leakyrelu(0.2); linear(8, 8); tanh; linear(8, 8); sigmoid; linear(8, 8); elu; linear(8, 8); gelu; linear(8, 8); silu; linear(8, 8); softplus; linear(8, 8); relu6; linear(8, 3)", new long[] { 6 } },
        new object[] { "linear(6, 8); batchnorm1d(8); relu; dropout(0.3); linear(8, 3)", new long[] { 6 } },
        new object[] { "conv2d(2, 3, 3, padding=1); relu; maxpool2d(2); conv2d(3, 4, 3, stride=2, padding=1, padding_mode=reflect); batchnorm2d(4); avgpool2d(2, stride=1); flatten; linear(4, 2)", new long[] { 2, 8, 8 } },
        new object[] { "conv2d(2, 4, 3, dilation=2, padding=2, groups=2); relu; maxpool2d(3, stride=1); adaptiveavgpool2d(2); flatten; linear(16, 2)", new long[] { 2, 7, 7 } },
        new object[] { "conv2d(1, 3, (3, 2), padding=same, padding_mode=replicate); elu; avgpool2d(3, stride=2, padding=1, count_include_pad=false); conv2d(3, 2, 2, padding=(1, 0), padding_mode=circular); flatten; linear(24, 2)", new long[] { 1, 6, 6 } },
        new object[] { "conv1d(2, 3, 3, padding=same, padding_mode=circular); relu; avgpool1d(2); conv1d(3, 2, 3, stride=2); maxpool1d(2, stride=1); adaptiveavgpool1d(1); flatten; linear(2, 2)", new long[] { 2, 12 } },
        new object[] { "maxpool2d(3, stride=2, ceil_mode=true); adaptiveavgpool2d((3, 2)); flatten", new long[] { 1, 6, 5 } },
    };

    private static TorchSharp.Modules.Sequential Float64Network(string description, long seed)
    {
        manual_seed(seed);
        var model = torchlip.plain_sequential(description);
        model.to(ScalarType.Float64);
        using (no_grad())
        {
            foreach (var p in model.parameters()) p.mul_(1.5);   // norms away from 1, so that a slack factor shows
            foreach (var bn in model.modules().OfType<TorchSharp.Modules.BatchNorm>())
            {
                bn.running_mean!.copy_(randn(bn.num_features, dtype: ScalarType.Float64));
                bn.running_var!.copy_(rand(bn.num_features, dtype: ScalarType.Float64) * 2 + 0.05);
                bn.weight!.copy_(randn(bn.num_features, dtype: ScalarType.Float64));
            }
        }
        model.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void NoAdversarialPairBeatsTheBound(string description, long[] inputShape)
    {
        using var scope = NewDisposeScope();
        using var model = Float64Network(description, 11);
        var certified = torchlip.certify_model(model, inputShape);
        long inputs = inputShape.Aggregate(1L, (p, s) => p * s);
        double attack = AdversarialAscent.MaxRatio(x => model.call(x.reshape(new[] { -1L }.Concat(inputShape).ToArray())), inputs, radius: 3, seed: 5, steps: 80);
        Assert.True(attack <= certified.Bound * (1 + 1e-9), $"{description}: the ascent found {attack} > bound {certified.Bound}\n{certified}");
        Assert.True(attack > 0);
        Assert.Equal(model.children().Count(), certified.Layers.Count);
        Assert.Equal(certified.Layers.Aggregate(1.0, (p, l) => p * l.Bound), certified.Bound, 12);
        Assert.Equal(Enumerable.Range(0, certified.Layers.Count).Select(i => i.ToString()), certified.Layers.Select(l => l.Layer));
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void EveryLinearLayerIsBoundedByAtLeastItsExactNormAndEveryOtherBeatsNoAscent(string description, long[] inputShape)
    {
        using var scope = NewDisposeScope();
        using var model = Float64Network(description, 12);
        var rows = torchlip.certify_model(model, inputShape).Layers;
        var x = zeros(new[] { 1L }.Concat(inputShape).ToArray(), dtype: ScalarType.Float64);
        int i = 0;
        foreach (var layer in model.children().Cast<nn.Module<Tensor, Tensor>>())
        {
            var shape = x.shape.Skip(1).ToArray();
            long n = shape.Aggregate(1L, (p, s) => p * s);
            double bound = rows[i++].Bound;
            if (IsAffine(layer))
            {
                // The operator's matrix: impulse responses minus the response to zero (the bias).
                Tensor matrix;
                using (no_grad())
                {
                    var impulses = eye(n, dtype: ScalarType.Float64).reshape(new[] { n }.Concat(shape).ToArray());
                    matrix = (layer.call(impulses) - layer.call(zeros_like(impulses[..1]))).reshape(n, -1);
                }
                double exact = linalg.svdvals(matrix).max().item<double>();
                Assert.True(exact <= bound * (1 + 1e-9), $"{layer.GetName()} on ({string.Join(", ", shape)}): exact norm {exact} > bound {bound}");
                if (layer is TorchSharp.Modules.BatchNorm) Assert.Equal(exact, bound, 10);
            }
            else
            {
                double attack = AdversarialAscent.MaxRatio(v => layer.call(v.reshape(new[] { -1L }.Concat(shape).ToArray())), n, radius: 3, seed: 7, steps: 60);
                Assert.True(attack <= bound * (1 + 1e-9), $"{layer.GetName()}: ascent {attack} > bound {bound}");
            }
            using (no_grad()) x = layer.call(x);
        }
    }

    private static bool IsAffine(nn.Module m) => m is TorchSharp.Modules.Linear or TorchSharp.Modules.Convolution or TorchSharp.Modules.BatchNorm
        or TorchSharp.Modules.AvgPool1d or TorchSharp.Modules.AvgPool2d or TorchSharp.Modules.AdaptiveAvgPool1d or TorchSharp.Modules.AdaptiveAvgPool2d
        or TorchSharp.Modules.Flatten or TorchSharp.Modules.Dropout;

    [Fact]
    public void ActivationConstantsAreTightAndNeverBeaten()
    {
        // The slopes' maxima, on a fine grid by central differences (float64): each constant is at or just above them.
        var cases = new (nn.Module<Tensor, Tensor> module, double slopeMax)[]
        {
            (nn.GELU(), 1.12890), (nn.SiLU(), 1.09984), (nn.Sigmoid(), 0.25), (nn.ELU(1.5), 1.5), (nn.LeakyReLU(0.1), 1.0),
            (nn.Tanh(), 1.0), (nn.Softplus(), 1.0),
        };
        using var scope = NewDisposeScope();
        var grid = linspace(-12, 12, 240001, dtype: ScalarType.Float64);
        const double h = 1e-6;
        foreach (var (module, slopeMax) in cases)
        {
            double bound = torchlip.certify_model(module).Bound;
            double slope = ((module.call(grid + h) - module.call(grid - h)) / (2 * h)).abs().max().item<double>();
            Assert.True(slope <= bound * (1 + 1e-8), $"{module.GetName()}: slope {slope} > bound {bound}");   // central differences round at ~1e-10
            Assert.True(bound - slope < 1e-3 + 1e-4 * bound, $"{module.GetName()}: bound {bound} is loose against the slope {slope}");
            Assert.Equal(slopeMax, slope, 3);
        }
    }

    [Fact]
    public void APlainModelGetsTheSameBoundAsTheLibrarysUpperBoundAndATorchLipModelItsCertifiedOne()
    {
        manual_seed(3);
        using var plain = torchlip.plain_sequential("flatten; linear(16, 8); relu; linear(8, 3)");
        Assert.Equal(torchlip.lipschitz_upper_bound(plain), torchlip.certify_model(plain).Bound, 12);

        using var lipschitz = torchlip.Sequential(torchlip.SpectralLinear(16, 8), torchlip.GroupSort2(), torchlip.SpectralLinear(8, 3));
        var certified = torchlip.certify_model(lipschitz);
        Assert.Equal(torchlip.lipschitz_upper_bound(lipschitz), certified.Bound, 12);
        Assert.InRange(certified.Bound, 1.0, Math.Pow(1 + 1e-5, 2) * (1 + 1e-12));
        Assert.Contains("rounding allowance", certified.Layers[0].How);
    }

    [Fact]
    public void AnUnknownLayerATrainModeBatchNormAndACustomContainerAreClearErrors()
    {
        using var withNorm = nn.Sequential(("0", nn.Linear(4, 4)), ("1", nn.LayerNorm(4)));
        var unknown = Assert.Throws<NotSupportedException>(() => torchlip.certify_model(withNorm));
        Assert.Contains("layer (1) LayerNorm has no known Lipschitz bound", unknown.Message);

        using var training = torchlip.plain_sequential("linear(4, 4); batchnorm1d(4)");
        training.train();
        var train = Assert.Throws<InvalidOperationException>(() => torchlip.certify_model(training));
        Assert.Contains("layer (1) BatchNorm1d is in train mode", train.Message);
        Assert.Contains("model.eval()", train.Message);
        training.eval();
        Assert.True(double.IsFinite(torchlip.certify_model(training).Bound));

        using var custom = nn.Sequential(("block", new Residual()));
        var container = Assert.Throws<NotSupportedException>(() => torchlip.certify_model(custom));
        Assert.Contains("layer (block) Residual", container.Message);
        Assert.Contains("nn.Sequential", container.Message);

        using var tanhGelu = nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh);
        Assert.Contains("approximate='none'", Assert.Throws<NotSupportedException>(() => torchlip.certify_model(tanhGelu)).Message);
    }

    private sealed class Residual : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear inner = nn.Linear(4, 4);

        public Residual() : base(nameof(Residual)) => RegisterComponents();

        public override Tensor forward(Tensor input) => input + inner.call(input);
    }

    [Fact]
    public void TheTablePrintsEveryLayerAndTheProduct()
    {
        manual_seed(4);
        using var model = torchlip.plain_sequential("conv2d(1, 2, 3, padding=1); relu; flatten; linear(32, 2)");
        model.eval();
        var certified = torchlip.certify_model(model, new long[] { 1, 4, 4 });
        var table = certified.ToString();
        var lines = table.Split('\n');
        Assert.Equal(1 + 4 + 1, lines.Length);
        Assert.StartsWith("layer", lines[0]);
        Assert.Contains("Conv2d", lines[1]);
        Assert.Contains("for input (1, 4, 4)", lines[1]);
        Assert.Contains("Linear", lines[4]);
        Assert.EndsWith(certified.Bound.ToString("G6", System.Globalization.CultureInfo.InvariantCulture), lines[^1]);
        // On a 4×4 input a 3×3 "same" convolution reads a sample at most 9 times: the gain is the long-input one.
        Assert.Contains("√(most reads of one sample) 3 ", lines[1]);
    }

    /// <summary>
    /// An unconstrained MLP trained on MNIST-like images (ten noisy prototypes in [0, 1]^784) fits them, but its bound is
    /// the product of its layers' norms: its certificates, margin/(√2·L), are far below the radii that matter (0.5 and
    /// more on MNIST), so its certified accuracy there is 0 while its clean accuracy is far above chance.
    /// </summary>
    [Fact]
    public void AnUnconstrainedNetworkGetsAHugeBoundAndTinyCertificates()
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var prototypes = rand(1, 1, 28, 28) + 0.04 * randn(10, 1, 28, 28);   // close classes: the network must amplify small differences
        var labels = randint(10, new long[] { 2048 });
        var images = (prototypes.index_select(0, labels) + 0.3 * randn(2048, 1, 28, 28)).clamp(0, 1);
        using var model = torchlip.plain_sequential("flatten; linear(784, 128); relu; linear(128, 128); relu; linear(128, 10)");
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 3e-3);
        model.train();
        for (int step = 0; step < 200; step++)
        {
            using var inner = NewDisposeScope();
            var batch = randint(2048, new long[] { 128 });
            var loss = nn.functional.cross_entropy(model.call(images.index_select(0, batch)), labels.index_select(0, batch));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        model.eval();

        var certified = torchlip.certify_model(model, new long[] { 1, 28, 28 });
        double bound = certified.Bound;
        var test = (prototypes.index_select(0, labels[..512]) + 0.3 * randn(512, 1, 28, 28)).clamp(0, 1);
        var testLabels = labels[..512];
        var radii = torchlip.multiclass_certificates(model, test, bound);
        Tensor scores;
        using (no_grad()) scores = model.call(test).to_type(ScalarType.Float64);
        var top = scores.topk(2, dim: 1).values;
        var expected = (top[.., 0] - top[.., 1]) / (Math.Sqrt(2) * bound);
        Assert.True(radii.allclose(expected, rtol: 1e-9, atol: 0), "certificates are not margin/(sqrt2 L)");
        double clean = scores.argmax(1).eq(testLabels).to_type(ScalarType.Float64).mean().item<double>();
        double largest = radii.max().item<double>();
        Console.WriteLine($"unconstrained MLP: bound {bound:G4}, clean accuracy {clean:0.000}, largest certificate {largest:G3}, median {radii.median().item<double>():G3}");
        Assert.True(clean > 0.5, $"the network did not fit: clean accuracy {clean} (chance: 0.1)");
        Assert.True(bound > 10, $"bound {bound}");
        Assert.True(largest < 0.5, $"largest certificate {largest}");
        Assert.True(radii.median().item<double>() < 0.1, "median certificate");
        Assert.Equal(0.0, torchlip.provable_robust_accuracy(model, test, testLabels, 0.5, bound));
    }
}
