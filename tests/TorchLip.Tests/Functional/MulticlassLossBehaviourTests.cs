using System;
using System.IO;
using System.Linq;
using TorchLip.Tests.Support;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Functional;

public class MulticlassLossBehaviourTests
{
    private static (Tensor x, Tensor y) Batch(int n, int c, int seed, double scale = 1.0)
    {
        var g = new Generator((ulong)seed);
        var x = randn(new long[] { n, c }, generator: g).mul(scale);
        var y = randint(0, c, new long[] { n }, generator: g);
        return (x, y);
    }

    [Fact]
    public void LseHkrAtTwoClassesIsFiniteWithAFiniteGradientAndUsesTheExactMaximum()
    {
        using var scope = NewDisposeScope();
        var (x0, y) = Batch(12, 2, 1);
        var x = x0.detach().requires_grad_(true);
        foreach (var alpha in new[] { 0.0, 0.5, 1.0 })
        {
            x.grad?.zero_();
            var loss = LseHKRMulticlassLoss(alpha: alpha, temperature: 2, reduction: "none").call(x, y);
            Assert.True(isfinite(loss).all().item<bool>());
            loss.sum().backward();
            Assert.True(isfinite(x.grad!).all().item<bool>());
            Assert.True(x.grad!.abs().sum().item<float>() > 0);
            // C = 2: the log-sum-exp of the single wrong class is that score.
            var z = x.detach().mul(2);
            var pos = z.gather(1, y.unsqueeze(1)).squeeze(1);
            var neg = z.gather(1, y.neg().add(ones_like(y)).unsqueeze(1)).squeeze(1);
            var expected = neg.sub(pos).mul(1 - alpha).add(nn.functional.relu(pos.neg().add(ones_like(pos).mul(0.5))).add(nn.functional.relu(neg.add(ones_like(neg).mul(0.5)))).mul(alpha));
            Golden.AssertClose(expected, loss, 1e-5, 1e-6, $"alpha {alpha}");
        }
    }

    [Fact]
    public void LseIsASmoothMaximumWithinItsPenalty()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch(32, 5, 2, 3.0);
        // With alpha = 0 the loss is lse - pos; lse lies in [max, max + penalty * m / 2].
        var loss = LseHKRMulticlassLoss(alpha: 0, penalty: 0.5, min_margin: 2, reduction: "none").call(x, y);
        var pos = x.gather(1, y.unsqueeze(1)).squeeze(1);
        var max = x.scatter(1, y.unsqueeze(1), full(new long[] { 32, 1 }, float.NegativeInfinity)).max(1).values;
        var lse = loss.add(pos);
        Assert.True((lse >= max.sub(ones_like(max).mul(1e-5))).all().item<bool>());
        Assert.True((lse <= max.add(ones_like(max).mul(0.5 + 1e-5))).all().item<bool>());
    }

    [Fact]
    public void SoftHkrMeanAdvancesInTrainModeOnlyAndIsInTheStateDict()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch(16, 10, 3, 3.0);
        var loss = SoftHKRMulticlassLoss(reduction: "mean");
        Assert.Contains("current_mean", loss.state_dict().Keys);
        Assert.Equal(1f, loss.current_mean.item<float>());

        loss.eval();
        var evalValue1 = loss.call(x, y).item<float>();
        var evalValue2 = loss.call(x, y).item<float>();
        Assert.Equal(1f, loss.current_mean.item<float>());
        Assert.Equal(evalValue1, evalValue2);

        loss.train();
        var trainValue = loss.call(x, y).item<float>();
        Assert.Equal(evalValue1, trainValue);   // the same g, stored only now
        var advanced = loss.current_mean.item<float>();
        Assert.NotEqual(1f, advanced);
        Assert.NotEqual(trainValue, loss.call(x, y).item<float>());

        // Saved and loaded with the module, and through a state dict.
        var path = Path.Combine(Path.GetTempPath(), $"softhkr-{Guid.NewGuid():N}.dat");
        try
        {
            loss.save(path);
            var again = SoftHKRMulticlassLoss(reduction: "mean");
            again.load(path);
            Assert.Equal(loss.current_mean.item<float>(), again.current_mean.item<float>());
        }
        finally { File.Delete(path); }
        var copy = SoftHKRMulticlassLoss(reduction: "mean");
        copy.load_state_dict(loss.state_dict());
        Assert.Equal(loss.current_mean.item<float>(), copy.current_mean.item<float>());
    }

    [Theory]
    [InlineData("KR")]
    [InlineData("Hinge")]
    [InlineData("HKR")]
    [InlineData("SoftHKR")]
    [InlineData("LseHKR")]
    [InlineData("TauCE")]
    [InlineData("TauBCE")]
    [InlineData("CategoricalHinge")]
    [InlineData("MultiMargin")]
    public void ReductionsSumNoneAndMeanAgree(string kind)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch(24, 4, 4, 2.0);
        nn.Module<Tensor, Tensor, Tensor> Make(string r) => kind switch
        {
            "KR" => KRMulticlassLoss(reduction: r),
            "Hinge" => HingeMulticlassLoss(0.7, r),
            "HKR" => HKRMulticlassLoss(0.8, 1.5, reduction: r),
            "SoftHKR" => SoftHKRMulticlassLoss(reduction: r),
            "LseHKR" => LseHKRMulticlassLoss(0.5, 2, 1, 1, r),
            "TauCE" => TauCrossEntropyLoss(4, reduction: r),
            "TauBCE" => TauBCEWithLogitsLoss(4, reduction: r),
            "CategoricalHinge" => CategoricalHingeLoss(1.2, r),
            _ => MultiMargin(0.8, r),
        };
        var none = Make("none").call(x, y);
        Assert.Equal(kind == "TauBCE" ? new long[] { 24, 4 } : new long[] { 24 }, none.shape);
        var sum = Make("sum").call(x, y);
        var mean = Make("mean").call(x, y);
        Assert.Empty(sum.shape);
        Assert.Equal(none.sum().item<float>(), sum.item<float>(), 4);
        Assert.Equal(none.mean().item<float>(), mean.item<float>(), 5);
    }

    [Fact]
    public void UnknownReductionsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => KRMulticlassLoss(reduction: "auto"));
        Assert.Contains("\"none\", \"mean\" or \"sum\"", e.Message);
        Assert.Contains("\"auto\" is \"mean\"", e.Message);
        Assert.Throws<ArgumentException>(() => SoftHKRMulticlassLoss(reduction: "Mean"));
        Assert.Throws<ArgumentException>(() => TauCrossEntropyLoss(2, reduction: "batchmean"));
        Assert.Throws<ArgumentException>(() => MultiMargin(reduction: null!));
    }

    [Fact]
    public void LabelShapesAndValuesAreCheckedWithTheFix()
    {
        using var scope = NewDisposeScope();
        var x = randn(8, 3);
        var loss = HKRMulticlassLoss(0.9);
        var wrongShape = Assert.Throws<ArgumentException>(() => loss.call(x, ones(8, 4)));
        Assert.Contains("(N) = [8]", wrongShape.Message);
        Assert.Contains("(N, C) = [8, 3]", wrongShape.Message);
        Assert.Contains("nn.functional.one_hot(y, 3)", wrongShape.Message);
        Assert.Contains("[8, 4]", wrongShape.Message);
        Assert.Contains("ScalarType.Int64", Assert.Throws<ArgumentException>(() => loss.call(x, zeros(8))).Message);
        Assert.Contains("found 3", Assert.Throws<ArgumentException>(() => loss.call(x, full(new long[] { 8 }, 3L))).Message);
        var twoPositives = nn.functional.one_hot(zeros(8, dtype: ScalarType.Int64), 3).to_type(ScalarType.Float32);
        twoPositives[2, 1] = tensor(1f);
        Assert.Contains("row 2 has 2", Assert.Throws<ArgumentException>(() => loss.call(x, twoPositives)).Message);
        var mixed = nn.functional.one_hot(zeros(8, dtype: ScalarType.Int64), 3).to_type(ScalarType.Float32);
        mixed[0, 1] = tensor(-1f);
        Assert.Contains("only 0 and 1, or only -1 and +1", Assert.Throws<ArgumentException>(() => loss.call(x, mixed)).Message);
        var twos = nn.functional.one_hot(zeros(8, dtype: ScalarType.Int64), 3).to_type(ScalarType.Float32).mul(2);
        Assert.Contains("found 2", Assert.Throws<ArgumentException>(() => kr_multiclass_loss(x, twos)).Message);
        Assert.Contains("binary losses", Assert.Throws<ArgumentException>(() => kr_multiclass_loss(randn(8, 1), ones(8, 1))).Message);
        Assert.Throws<ArgumentException>(() => loss.call(randn(8, 3).to_type(ScalarType.Int64), zeros(8, dtype: ScalarType.Int64)));
        Assert.Contains("process_labels_for_multi_gpu",
            Assert.Throws<ArgumentException>(() => HKRMulticlassLoss(0.9, multi_gpu: true).call(x, zeros(8, dtype: ScalarType.Int64))).Message);
        Assert.Contains("sums to", Assert.Throws<ArgumentException>(() => TauCrossEntropyLoss(2).call(x, full(new long[] { 8, 3 }, 0.5f))).Message);
    }

    [Fact]
    public void AClassAbsentFromTheBatchGivesFiniteLossesAndGradients()
    {
        using var scope = NewDisposeScope();
        var (x0, _) = Batch(10, 4, 5);
        var y = tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0 });   // class 3 absent
        var x = x0.detach().requires_grad_(true);
        var losses = new (string, Func<Tensor>)[]
        {
            ("kr_multiclass_loss", () => kr_multiclass_loss(x, y)),
            ("hkr_multiclass_loss", () => hkr_multiclass_loss(x, y, 10, 1)),
            ("KRMulticlassLoss", () => KRMulticlassLoss().call(x, y)),
            ("HKRMulticlassLoss", () => HKRMulticlassLoss(0.9).call(x, y)),
            ("SoftHKRMulticlassLoss", () => SoftHKRMulticlassLoss().call(x, y)),
            ("LseHKRMulticlassLoss", () => LseHKRMulticlassLoss(0.5).call(x, y)),
            ("CategoricalHingeLoss", () => CategoricalHingeLoss().call(x, y)),
            ("MultiMargin", () => MultiMargin().call(x, y)),
            ("TauCrossEntropyLoss", () => TauCrossEntropyLoss(5).call(x, y)),
        };
        foreach (var (name, f) in losses)
        {
            x.grad?.zero_();
            var loss = f();
            Assert.True(float.IsFinite(loss.item<float>()), name);
            loss.backward();
            Assert.True(isfinite(x.grad!).all().item<bool>(), name);
        }
        // The absent class's column: 0 minus the mean over all samples, so its KR gradient is -1/(N C) per sample.
        x.grad!.zero_();
        kr_multiclass_loss(x, y).backward();
        Golden.AssertClose(full(new long[] { 10 }, -1f / 40), x.grad![.., 3], 1e-6, 1e-7, "absent column gradient");
    }

    [Fact]
    public void MultiMarginIsPyTorchsMultiMarginLoss()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch(20, 6, 6, 2.0);
        foreach (var m in new[] { 0.0, 0.5, 1.0, 3.0 })
        {
            var expected = nn.functional.multi_margin_loss(x, y, margin: m, reduction: nn.Reduction.None);
            Golden.AssertClose(expected, MultiMargin(m, "none").call(x, y), 1e-5, 1e-6, $"margin {m}");
            var signed = nn.functional.one_hot(y, 6).to_type(ScalarType.Float32).mul(2).sub(ones(20, 6));
            Golden.AssertClose(expected, MultiMargin(m, "none").call(x, signed), 1e-5, 1e-6, $"margin {m}, one-hot");
        }
    }

    [Fact]
    public void ShardsWithProcessedLabelsAddUpToTheWholeBatch()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch(30, 5, 7, 2.0);
        var weights = process_labels_for_multi_gpu(y, num_classes: 5);
        Assert.Equal(new long[] { 30, 5 }, weights.shape);
        var kr = KRMulticlassLoss(multi_gpu: true, reduction: "sum");
        var hkr = HKRMulticlassLoss(0.7, 1.0, multi_gpu: true, reduction: "sum");
        double krTotal = 0, hkrTotal = 0;
        foreach (var (a, b) in new[] { (0, 7), (7, 19), (19, 30) })
        {
            var (xs, ws) = (x[a..b], weights[a..b]);
            krTotal += kr.call(xs, ws).item<float>();
            hkrTotal += hkr.call(xs, ws).item<float>();
        }
        Assert.Equal(30 * KRMulticlassLoss().call(x, y).item<float>(), krTotal, 3);
        Assert.Equal(30 * HKRMulticlassLoss(0.7, 1.0).call(x, y).item<float>(), hkrTotal, 3);
        Assert.Equal(kr_multiclass_loss(x, y).item<float>(), KRMulticlassLoss(multi_gpu: true).call(x, weights).item<float>(), 5);
        // One-hot labels give the same weights as class indices.
        Golden.AssertClose(weights, process_labels_for_multi_gpu(nn.functional.one_hot(y, 5)), 0, 0, "one-hot");
    }

    [Fact]
    public void AlphaAboveOneIsTheDeprecatedFormReplacedWithAWarning()
    {
        using var scope = NewDisposeScope();
        string? warned = null;
        var previous = Warnings.Handler;
        Warnings.Handler = m => warned = m;
        try
        {
            var loss = HKRMulticlassLoss(10, 1);
            Assert.Equal(10.0 / 11, loss.alpha, 12);
            Assert.Contains("alpha / (1 + alpha)", warned);
            Assert.Equal(1.0, HKRMulticlassLoss(double.PositiveInfinity).alpha);
            // The 1.x class with (a, 2m) is (1 - a) times the tutorial's function with (a / (1 - a), m).
            var (x, y) = Batch(16, 10, 8);
            var v1 = HKRMulticlassLoss(0.9, 2.0).call(x, y).item<float>();
            var v01 = hkr_multiclass_loss(x, y, 0.9 / 0.1, 1.0).item<float>();
            Assert.Equal(0.1 * v01, v1, 5);
        }
        finally { Warnings.Handler = previous; }
        Assert.Throws<ArgumentOutOfRangeException>(() => HKRMulticlassLoss(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LseHKRMulticlassLoss(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => LseHKRMulticlassLoss(penalty: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => hkr_multiclass_loss(randn(4, 3), zeros(4, dtype: ScalarType.Int64), -1));
    }
}
