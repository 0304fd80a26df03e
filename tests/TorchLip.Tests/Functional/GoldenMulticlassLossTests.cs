using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Tests.Support;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Functional;

/// <summary>
/// The multiclass losses against deel-torchlip: the tutorial-era functions against v0.1.1, the loss classes against
/// v1.0.5, at the golden README's tolerances (rtol 1e-5, atol 1e-6).
/// </summary>
public class GoldenMulticlassLossTests
{
    private const string V011 = "losses_v0_1_1.json";
    private const string V105 = "losses_v1_0_5.json";
    private const double Rtol = 1e-5, Atol = 1e-6;

    private static readonly string[] V105Multiclass =
    {
        "KRMulticlassLoss", "HingeMulticlassLoss", "HKRMulticlassLoss", "SoftHKRMulticlassLoss", "LseHKRMulticlassLoss",
        "TauCrossEntropyLoss", "CategoricalHingeLoss", "TauBCEWithLogitsLoss",
    };

    public static IEnumerable<object[]> V011Cases() =>
        Golden.Names(V011, n => n.Contains("multiclass") && !n.Contains("absent_class"));

    public static IEnumerable<object[]> V105Cases() =>
        Golden.Names(V105, n => V105Multiclass.Any(prefix => n.StartsWith(prefix + "_")));

    [Theory]
    [MemberData(nameof(V011Cases))]
    public void TutorialMulticlassFunctionMatchesV011(string name)
    {
        using var scope = NewDisposeScope();
        var c = Golden.Case(V011, name);
        var (x, y) = (c.Input("input"), c.Input("target"));
        Tensor loss;
        if (name.StartsWith("kr_multiclass_loss")) loss = kr_multiclass_loss(x, y);
        else if (name.StartsWith("hinge_multiclass_loss")) loss = hinge_multiclass_loss(x, y, c.Param("min_margin"));
        else loss = hkr_multiclass_loss(x, y, c.Param("alpha"), c.Param("min_margin"));
        Golden.AssertClose(c.Expected("loss"), loss, Rtol, Atol, name);

        // Class indices and {-1, +1} one-hot rows give the same value (v0.1.1 itself would be wrong for the latter).
        var indices = y.argmax(1);
        var signed = y.mul(2).sub(ones_like(y));
        foreach (var (form, t) in new[] { ("indices", indices), ("signed", signed) })
        {
            Tensor again = name.StartsWith("kr_multiclass_loss") ? kr_multiclass_loss(x, t)
                : name.StartsWith("hinge_multiclass_loss") ? hinge_multiclass_loss(x, t, c.Param("min_margin"))
                : hkr_multiclass_loss(x, t, c.Param("alpha"), c.Param("min_margin"));
            Golden.AssertClose(c.Expected("loss"), again, Rtol, Atol, $"{name} ({form})");
        }
    }

    /// <summary>
    /// v0.1.1 returns NaN when a class has no sample in the batch; here the absent side counts as 0 (as in kr_loss and
    /// deel-torchlip 1.x), recomputed in float64 from the same inputs.
    /// </summary>
    [Fact]
    public void TutorialKrWithAnAbsentClassIsFiniteWhereV011GivesNaN()
    {
        using var scope = NewDisposeScope();
        var c = Golden.Case(V011, "kr_multiclass_loss_absent_class_N8_C4");
        Assert.True(float.IsNaN(c.Expected("loss").item<float>()));
        var (x, y) = (c.Input("input"), c.Input("target"));
        var xs = x.to_type(ScalarType.Float64).data<double>().ToArray();
        var ys = y.data<float>().ToArray();
        int n = (int)x.size(0), k = (int)x.size(1);
        double expected = 0;
        for (int j = 0; j < k; j++)
        {
            var column = Enumerable.Range(0, n).Select(i => (x: xs[i * k + j], pos: ys[i * k + j] > 0)).ToArray();
            double Mean(IEnumerable<double> v) => v.Any() ? v.Average() : 0.0;
            expected += Mean(column.Where(e => e.pos).Select(e => e.x)) - Mean(column.Where(e => !e.pos).Select(e => e.x));
        }
        expected /= k;
        var loss = kr_multiclass_loss(x, y).item<float>();
        Assert.True(float.IsFinite(loss));
        Assert.Equal(expected, loss, 5);
    }

    [Theory]
    [MemberData(nameof(V105Cases))]
    public void LossClassMatchesV105(string name)
    {
        using var scope = NewDisposeScope();
        var c = Golden.Case(V105, name);
        var (x, y) = (c.Input("input"), c.Input("target"));
        var reduction = name.Contains("_none_") ? "none" : "mean";
        if (name.StartsWith("SoftHKRMulticlassLoss_"))
        {
            var soft = SoftHKRMulticlassLoss(c.Param("alpha"), c.Param("min_margin"), c.Param("alpha_mean"), c.Param("temperature"), reduction);
            Golden.AssertClose(c.Expected("loss_call1"), soft.call(x, y), Rtol, Atol, name + " call 1");
            Golden.AssertClose(c.Expected("current_mean_after_call1"), soft.current_mean, Rtol, Atol, name + " mean 1");
            Golden.AssertClose(c.Expected("loss_call2"), soft.call(x, y), Rtol, Atol, name + " call 2");
            Golden.AssertClose(c.Expected("current_mean_after_call2"), soft.current_mean, Rtol, Atol, name + " mean 2");
            return;
        }
        Tensor loss = name switch
        {
            _ when name.StartsWith("KRMulticlassLoss_") => KRMulticlassLoss(reduction: reduction).call(x, y),
            _ when name.StartsWith("HingeMulticlassLoss_") => HingeMulticlassLoss(c.Param("min_margin"), reduction).call(x, y),
            _ when name.StartsWith("HKRMulticlassLoss_") => HKRMulticlassLoss(c.Param("alpha"), c.Param("min_margin"), reduction: reduction).call(x, y),
            _ when name.StartsWith("LseHKRMulticlassLoss_") => LseHKRMulticlassLoss(c.Param("alpha"), c.Param("temperature"), c.Param("penalty"),
                c.Param("min_margin"), reduction).call(x, y),
            _ when name.StartsWith("TauCrossEntropyLoss_") => TauCrossEntropyLoss(c.Param("tau"), reduction: reduction).call(x, y),
            _ when name.StartsWith("TauBCEWithLogitsLoss_") => TauBCEWithLogitsLoss(c.Param("tau"), reduction: reduction).call(x, y),
            _ when name.StartsWith("CategoricalHingeLoss_") => CategoricalHingeLoss(c.Param("min_margin"), reduction).call(x, y),
            _ => throw new InvalidOperationException(name),
        };
        Golden.AssertClose(c.Expected("loss"), loss, Rtol, Atol, name);
    }

    [Fact]
    public void EveryMulticlassCaseOfBothFilesIsCovered()
    {
        // v0.1.1: 10 cases + the absent-class one tested on its own; v1.0.5: 9 classes' cases in "none" and "mean" + 2 absent-class.
        Assert.Equal(10, V011Cases().Count());
        Assert.Equal(Golden.Names(V011, n => n.Contains("multiclass")).Count(), V011Cases().Count() + 1);
        Assert.Equal(20, V105Cases().Count());
    }

    /// <summary>The golden class-index target of TauCrossEntropyLoss, given as one-hot rows ({0, 1} and {−1, +1}), gives the same value.</summary>
    [Fact]
    public void TauCrossEntropyTakesOneHotRowsLikeIndices()
    {
        using var scope = NewDisposeScope();
        var c = Golden.Case(V105, "TauCrossEntropyLoss_tau10_none_N16_C10");
        var (x, y) = (c.Input("input"), c.Input("target"));
        var oneHot = nn.functional.one_hot(y, 10).to_type(ScalarType.Float32);
        var loss = TauCrossEntropyLoss(10, reduction: "none");
        Golden.AssertClose(c.Expected("loss"), loss.call(x, oneHot), Rtol, Atol, "one-hot {0,1}");
        Golden.AssertClose(c.Expected("loss"), loss.call(x, oneHot.mul(2).sub(ones_like(oneHot))), Rtol, Atol, "one-hot {-1,+1}");
        Assert.Equal(ScalarType.Float32, loss.call(x, oneHot).dtype);
    }

    /// <summary>The v1.0.5 one-hot targets given as class indices give the same values.</summary>
    [Theory]
    [InlineData("HKRMulticlassLoss_a0.9_m1_none_N16_C10")]
    [InlineData("CategoricalHingeLoss_m1.1_none_N16_C10")]
    [InlineData("LseHKRMulticlassLoss_none_N16_C10")]
    public void ClassIndicesGiveTheOneHotValue(string name)
    {
        using var scope = NewDisposeScope();
        var c = Golden.Case(V105, name);
        var (x, y) = (c.Input("input"), c.Input("target").argmax(1));
        Tensor loss = name.StartsWith("HKR") ? HKRMulticlassLoss(c.Param("alpha"), c.Param("min_margin"), reduction: "none").call(x, y)
            : name.StartsWith("Categorical") ? CategoricalHingeLoss(c.Param("min_margin"), "none").call(x, y)
            : LseHKRMulticlassLoss(c.Param("alpha"), c.Param("temperature"), c.Param("penalty"), c.Param("min_margin"), "none").call(x, y);
        Golden.AssertClose(c.Expected("loss"), loss, Rtol, Atol, name);
    }
}
