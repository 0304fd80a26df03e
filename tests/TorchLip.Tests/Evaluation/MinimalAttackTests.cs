using System;
using System.Linq;
using TorchLip.Evaluation;
using TorchLip.Modules;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>
/// The minimal L2 attack as the adversary of the certificates: on linear models it finds the closed-form distance, on
/// trained TorchLip models it never beats a certificate, and a certificate inflated by 5 % is caught where the closed
/// form says it is wrong.
/// </summary>
public class MinimalAttackTests
{
    /// <summary>A one-output or ten-output linear TorchLip layer with a random bias, and the exact distance of each sample to its decision boundary.</summary>
    private static (ConstrainedModule model, Tensor x, double[] truth) LinearCase(long outputs, long seed)
    {
        torch.manual_seed(seed);
        ConstrainedModule model = outputs == 1 ? torchlip.FrobeniusLinear(8, 1) : torchlip.SpectralLinear(10, 10);
        long inputs = outputs == 1 ? 8 : 10;
        using (torch.no_grad()) model.bias_parameter!.copy_(torch.randn(outputs) * 0.3);
        model.eval();
        var x = torch.randn(40, inputs);
        var w = model.effective_weight().detach().to_type(ScalarType.Float64);
        var f = x.to_type(ScalarType.Float64).mm(w.t()) + model.bias_parameter!.detach().to_type(ScalarType.Float64);
        var truth = new double[x.shape[0]];
        for (int i = 0; i < truth.Length; i++)
        {
            if (outputs == 1) { truth[i] = Math.Abs(f[i, 0].item<double>()) / w.norm().item<double>(); continue; }
            long c = f[i].argmax().item<long>();
            truth[i] = Enumerable.Range(0, (int)outputs).Where(j => j != c)
                .Min(j => (f[i, c] - f[i, j]).item<double>() / (w[c] - w[j]).norm().item<double>());
        }
        return (model, x, truth);
    }

    private static Tensor Certificates(nn.Module<Tensor, Tensor> model, Tensor x, long outputs) =>
        outputs == 1 ? torchlip.binary_certificates(model, x) : torchlip.multiclass_certificates(model, x);

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void OnALinearModelTheAttackFindsTheClosedFormDistanceAndNoViolation(long outputs)
    {
        using var scope = torch.NewDisposeScope();
        var (model, x, truth) = LinearCase(outputs, seed: 31);
        var attack = torchlip.minimal_l2_attack(model, x);
        var distances = attack.Distances.data<double>().ToArray();
        Assert.Equal(x.shape[0], attack.Found);
        for (int i = 0; i < truth.Length; i++)
            Assert.True(distances[i] >= truth[i] * (1 - 1e-5) - 1e-6 && distances[i] <= truth[i] * 1.001 + 1e-6,
                $"sample {i}: attack {distances[i]}, closed form {truth[i]}");
        // The adversarial examples are where the distances say, and change the decision.
        var moved = (attack.Adversarial.to_type(ScalarType.Float64) - x.to_type(ScalarType.Float64)).norm(1).data<double>().ToArray();
        Assert.Equal(distances, moved, (a, b) => Math.Abs(a - b) <= 1e-9 * Math.Max(1, a));

        var radii = Certificates(model, x, outputs);
        var check = torchlip.certificate_violations(radii, attack);
        Assert.Equal(0, check.Violations);
        Assert.Equal(x.shape[0], check.Found);
        // The certificate of an orthogonal linear model is the true distance (margin/√2, or |f|): tight to rounding.
        Assert.InRange(check.TightestRatio, 1 - 1e-5, 1.001);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public void ACertificateInflatedByFivePercentIsCaughtWhereTheClosedFormSaysSo(long outputs)
    {
        using var scope = torch.NewDisposeScope();
        var (model, x, truth) = LinearCase(outputs, seed: 32);
        var radii = Certificates(model, x, outputs);
        // Every other certificate 5 % too large, the rest 5 % too small.
        var factor = torch.tensor(Enumerable.Range(0, truth.Length).Select(i => i % 2 == 0 ? 1.05 : 0.95).ToArray(), dtype: ScalarType.Float64);
        var wrong = radii * factor;
        var wrongValues = wrong.data<double>().ToArray();
        var expected = Enumerable.Range(0, truth.Length).Where(i => truth[i] < wrongValues[i] * (1 - 1e-5) - 1e-5).Select(i => (long)i).ToArray();
        Assert.True(expected.Length >= truth.Length / 2 - 2, "too few samples far enough from the boundary for the check");
        var check = torchlip.certificate_violations(wrong, torchlip.minimal_l2_attack(model, x));
        Assert.Equal(expected, check.ViolatingSamples);
        Assert.Equal(expected.Length, check.Violations);
    }

    [Theory]
    [InlineData(TrainedModels.DenseBinary)]
    [InlineData(TrainedModels.DenseTenClass)]
    [InlineData(TrainedModels.ConvBinary)]
    [InlineData(TrainedModels.ConvTenClass)]
    public void NoCertificateOfATrainedModelExceedsTheAttackDistance(string kind)
    {
        using var scope = torch.NewDisposeScope();
        var (model, x) = TrainedModels.Make(kind, seed: 12);
        x = x[TensorIndex.Slice(0, 32)];
        var attack = torchlip.minimal_l2_attack(model, x, lower: 0, upper: 1);
        var check = torchlip.certificate_violations(Certificates(model, x, kind.EndsWith("ten", StringComparison.Ordinal) ? 10 : 1), attack);
        Assert.True(check.Violations == 0, $"{kind}: {check}");
        Assert.True(check.Found >= 0.8 * check.Samples, $"{kind}: flips found for only {check.Found} of {check.Samples}");
        Assert.True(check.TightestRatio >= 1 - 1e-5, $"{kind}: {check}");
        Assert.True(attack.Adversarial.ge(0).all().item<bool>() && attack.Adversarial.le(1).all().item<bool>(), "an example left [0, 1]");
    }

    [Fact]
    public void TheBoxIsRespectedAndTheAttackIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        var (model, _, _) = LinearCase(1, seed: 33);
        var x = torch.rand(40, 8);
        var first = torchlip.minimal_l2_attack(model, x, lower: 0, upper: 1, seed: 5);
        var second = torchlip.minimal_l2_attack(model, x, lower: 0, upper: 1, seed: 5);
        Assert.True(first.Distances.equal(second.Distances).all().item<bool>());
        Assert.True(first.Adversarial.ge(0).all().item<bool>() && first.Adversarial.le(1).all().item<bool>());
        var found = first.Distances.isfinite();
        using (torch.no_grad())
        {
            var before = model.call(x).squeeze(-1).sign();
            var after = model.call(first.Adversarial).squeeze(-1).sign();
            Assert.True(after.ne(before).eq(found).all().item<bool>(), "a reported flip does not flip, or an unflipped sample was moved");
        }
        Assert.Equal(0, torchlip.certificate_violations(torchlip.binary_certificates(model, x), first).Violations);
        var e = Assert.Throws<ArgumentException>(() => torchlip.minimal_l2_attack(model, x * 2, lower: 0, upper: 1));
        Assert.Contains("outside the valid range", e.Message);
    }

    /// <summary>A large set is attacked in chunks (memory bounded by the chunk): the same as attacking each chunk alone, chunk i with seed + i.</summary>
    [Fact]
    public void ALargeSetIsAttackedChunkByChunk()
    {
        using var scope = torch.NewDisposeScope();
        var (model, x, _) = LinearCase(10, seed: 34);
        var whole = torchlip.minimal_l2_attack(model, x, seed: 7, batch_size: 16);
        Assert.Equal(new long[] { 40 }, whole.Distances.shape);
        Assert.Equal(x.shape, whole.Adversarial.shape);
        for (int chunk = 0; chunk < 3; chunk++)
        {
            long start = chunk * 16, length = Math.Min(16, 40 - start);
            var part = torchlip.minimal_l2_attack(model, x.narrow(0, start, length), seed: 7 + chunk, batch_size: 16);
            Assert.True(part.Distances.equal(whole.Distances.narrow(0, start, length)).all().item<bool>(), $"chunk {chunk} differs");
        }
        Assert.Equal(0, torchlip.certificate_violations(torchlip.multiclass_certificates(model, x), whole).Violations);
    }
}
