using System.Collections.Generic;
using TorchLip.Tests.Support;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Functional;

/// <summary>The binary losses against deel-torchlip 0.1.1 (the tutorial's API), rtol 1e-5 / atol 1e-6.</summary>
public class GoldenLossTests
{
    private const string File = "losses_v0_1_1.json";

    public static IEnumerable<object[]> BinaryCases() => Golden.Names(File, n => !n.Contains("multiclass"));

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryLossMatchesReference(string name)
    {
        var c = Golden.Case(File, name);
        var input = c.Input("input");
        var target = c.Input("target");
        Tensor loss;
        if (name.StartsWith("kr_loss") || name.StartsWith("neg_kr_loss"))
        {
            var tv = c.ParamArray("true_values");
            loss = name.StartsWith("neg") ? neg_kr_loss(input, target, (tv[0], tv[1])) : kr_loss(input, target, (tv[0], tv[1]));
        }
        else if (name.StartsWith("hinge_margin_loss"))
            loss = hinge_margin_loss(input, target, c.Param("min_margin"));
        else
            loss = hkr_loss(input, target, c.Param("alpha"), c.Param("min_margin"));
        Golden.AssertClose(c.Expected("loss"), loss, 1e-5, 1e-6, name);
    }

    [Fact]
    public void LossModulesComputeTheFunctions()
    {
        var c = Golden.Case(File, "hkr_loss_a10_m1_N33");
        var (x, y) = (c.Input("input"), c.Input("target"));
        Golden.AssertClose(c.Expected("loss"), torchlip.HKRLoss(10, 1).call(x, y), 1e-5, 1e-6, "HKRLoss");
        Golden.AssertClose(Golden.Case(File, "kr_loss_N33").Expected("loss"), torchlip.KRLoss().call(x, y), 1e-5, 1e-6, "KRLoss");
        Golden.AssertClose(Golden.Case(File, "neg_kr_loss_N33").Expected("loss"), torchlip.NegKRLoss().call(x, y), 1e-5, 1e-6, "NegKRLoss");
        Golden.AssertClose(Golden.Case(File, "hinge_margin_loss_m2_N33").Expected("loss"), torchlip.HingeMarginLoss(2).call(x, y), 1e-5, 1e-6, "HingeMarginLoss");
    }
}
