using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>plain_sequential: PyTorch's layer and key names, and parse errors that say where and what was expected.</summary>
public class PlainArchitectureTests
{
    [Fact]
    public void ADescriptionBuildsTheLayersWithPyTorchsKeys()
    {
        using var model = torchlip.plain_sequential("nn.Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)); BatchNorm2d(16); relu; maxpool2d(2); flatten; linear(16 * 0 + 3136, 10)".Replace("16 * 0 + ", ""));
        Assert.Equal(new[] { "Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Linear" }, model.children().Select(c => c.GetType().Name));
        var keys = model.state_dict().Keys.ToArray();
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "5.weight", "5.bias" }.Order(), keys.Order());
        model.eval();
        using var y = model.call(zeros(2, 1, 28, 28));
        Assert.Equal(new long[] { 2, 10 }, y.shape);
    }

    [Fact]
    public void TorchLipsParameterFreeLayersLoadAnExportedModelsWeights()
    {
        var model = torchlip.Sequential(torchlip.SpectralConv2d(1, 4, 3, padding: 1), torchlip.GroupSort2(), torchlip.ScaledL2NormPool2d(2),
            nn.Flatten(), torchlip.SpectralLinear(4 * 4 * 4, 8), torchlip.FullSort(), torchlip.SpectralLinear(8, 6), torchlip.GroupSort(3),
            torchlip.SpectralLinear(6, 4), torchlip.MaxMin(), torchlip.FrobeniusLinear(8, 2));
        using (model)
        using (var exported = model.vanilla_export())
        using (var plain = torchlip.plain_sequential("conv2d(1, 4, 3, padding=1); groupsort2; scaledl2normpool2d(2); flatten; linear(64, 8); fullsort; linear(8, 6); groupsort(3); linear(6, 4); maxmin; linear(8, 2)"))
        {
            plain.load_state_dict(exported.state_dict());
            model.eval();
            plain.eval();
            using var x = randn(3, 1, 8, 8);
            using var expected = model.call(x);
            using var actual = plain.call(x);
            Assert.True(expected.sub(actual).abs().max().item<float>() <= 1e-6);
            Assert.Equal(torchlip.certify_model(exported, new long[] { 1, 8, 8 }).Bound, torchlip.certify_model(plain, new long[] { 1, 8, 8 }).Bound, 12);
        }
    }

    [Theory]
    [InlineData("flatten; lineer(4, 2)", "at position 10", "expected a layer name")]
    [InlineData("linear(4)", "at position 10", "linear's argument out_features")]
    [InlineData("linear(4, 2, bias=maybe)", "at position 19", "true or false")]
    [InlineData("linear(4, 2.5)", "at position 11", "an integer for linear's out_features")]
    [InlineData("linear(4, 2", "at position 12", "',' or ')'")]
    [InlineData("relu(1)", "at position 6", "at most 0 positional")]
    [InlineData("conv2d(1, 2, 3, pading=1)", "'pading='", "one of conv2d's arguments")]
    [InlineData("conv2d(1, 2, 3, padding_mode=mirror)", "'mirror'", "zeros, reflect, replicate or circular")]
    [InlineData("", "empty description", "layers separated by ';'")]
    public void ErrorsNameThePositionTheTextAndWhatWasExpected(string description, string where, string expected)
    {
        var e = Assert.Throws<FormatException>(() => torchlip.plain_sequential(description));
        Assert.Contains(where, e.Message);
        Assert.Contains(expected, e.Message);
    }
}
