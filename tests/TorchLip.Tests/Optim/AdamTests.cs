using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Optim;

/// <summary>
/// torchlip.Adam is TorchSharp's Adam bit for bit. That it survives a collector running beside it is checked in a
/// program of its own (PackageConsumerTests): inside this test host even TorchSharp's Adam did not fail in 15 s.
/// </summary>
public class AdamTests
{
    private static TorchLip.Modules.Sequential Network(long seed)
    {
        torch.manual_seed(seed);
        return torchlip.Sequential(torchlip.SpectralLinear(6, 8), torchlip.FullSort(), torchlip.FrobeniusLinear(8, 1));
    }

    private static Tensor[] Train(TorchLip.Modules.Sequential model, optim.Optimizer optimizer, int steps)
    {
        var x = torch.randn(32, 6, generator: new Generator(3));
        var y = torch.sign(x[TensorIndex.Colon, 0] + 0.1);
        for (int i = 0; i < steps; i++)
        {
            using var scope = torch.NewDisposeScope();
            var loss = torchlip.hkr_loss(model.call(x).squeeze(-1), y, alpha: 10);
            optimizer.zero_grad(); loss.backward(); optimizer.step();
        }
        return model.parameters().Select(p => p.detach().clone()).ToArray();
    }

    [Theory]
    [InlineData(0.0, false, false)]
    [InlineData(0.01, false, false)]
    [InlineData(0.0, true, false)]
    [InlineData(0.0, false, true)]
    public void ItIsTorchSharpsAdamBitForBit(double weightDecay, bool amsgrad, bool maximize)
    {
        using var scope = torch.NewDisposeScope();
        using var a = Network(1);
        using var b = Network(1);
        using var reference = torch.optim.Adam(a.parameters(), lr: 0.05, weight_decay: weightDecay, amsgrad: amsgrad, maximize: maximize);
        using var ours = torchlip.Adam(b.parameters(), lr: 0.05, weight_decay: weightDecay, amsgrad: amsgrad, maximize: maximize);

        var expected = Train(a, reference, 25);
        var actual = Train(b, ours, 25);

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].eq(actual[i]).all().item<bool>(), $"parameter {i} differs by {(expected[i] - actual[i]).abs().max().item<float>()}");
        Assert.False(expected[0].eq(Network(1).parameters().First().detach()).all().item<bool>(), "the parameters should have moved");
    }

    [Fact]
    public void ItKeepsTheSameStateDictAndLearningRateSchedule()
    {
        using var scope = torch.NewDisposeScope();
        using var model = Network(2);
        using var ours = torchlip.Adam(model.parameters(), lr: 0.1);
        Train(model, ours, 3);
        var scheduler = optim.lr_scheduler.StepLR(ours, 1, 0.5);
        scheduler.step();
        Assert.Equal(0.05, ours.ParamGroups.First().LearningRate, 12);
        var state = ours.state_dict();
        Assert.Equal(model.parameters().Count(), state.State.Count);
    }
}
