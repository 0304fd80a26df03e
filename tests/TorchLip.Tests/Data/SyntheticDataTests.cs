using System;
using TorchLip.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Data;

public class SyntheticDataTests
{
    [Fact]
    public void EverySquareImageIsAtDistance35FromTheBlackOne()
    {
        using var generator = new Generator(3);
        var (x, y) = SquareImages.Sample(64, generator);
        Assert.Equal(new long[] { 64, 64, 64 }, x.shape);
        Assert.Equal(35, SquareImages.Side);
        var distances = x.flatten(1).norm(1, false, 2.0f);
        Assert.True(distances.narrow(0, 0, 32).eq(0).all().item<bool>());
        Assert.True((distances.narrow(0, 32, 32) - 35).abs().max().item<float>() < 1e-4);
        Assert.True(y.narrow(0, 0, 32).eq(-1).all().item<bool>() && y.narrow(0, 32, 32).eq(1).all().item<bool>());
        var sums = x.narrow(0, 32, 32).flatten(1).sum(1);
        Assert.True(sums.gt(0).any().item<bool>() && sums.lt(0).any().item<bool>(), "both square signs are drawn");
        Assert.Throws<ArgumentOutOfRangeException>(() => SquareImages.Sample(15, generator));
    }

    [Fact]
    public void TwoMoonsFollowsTheConstructionAndTheSeed()
    {
        var (x, y) = TwoMoons.Generate(1000, 0, seed: 5);
        Assert.Equal(new long[] { 1000, 2 }, x.shape);
        Assert.Equal(500, y.eq(1).sum().item<long>());
        var upper = x.index_select(0, y.flatten().eq(1).nonzero().flatten());
        var lower = x.index_select(0, y.flatten().eq(-1).nonzero().flatten());
        // Without noise: the upper points on the unit circle, the lower ones on the circle around (1, 0.5).
        Assert.True((upper.norm(1, false, 2.0f) - 1).abs().max().item<float>() < 1e-5);
        Assert.True(((lower - tensor(new float[] { 1, 0.5f })).norm(1, false, 2.0f) - 1).abs().max().item<float>() < 1e-5);

        var (a, _) = TwoMoons.Generate(100, 0.05, seed: 7);
        var (b, _) = TwoMoons.Generate(100, 0.05, seed: 7);
        var (c, _) = TwoMoons.Generate(100, 0.05, seed: 8);
        Assert.True(a.equal(b).all().item<bool>());
        Assert.False(a.equal(c).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoMoons.Generate(1, 0.05));
    }
}
