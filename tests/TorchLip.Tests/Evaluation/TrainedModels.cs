using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Tests.Evaluation;

/// <summary>Small TorchLip classifiers (dense and convolutional, binary and ten-class) trained a few steps on a random teacher.</summary>
internal static class TrainedModels
{
    public const string DenseBinary = "dense-binary", DenseTenClass = "dense-ten", ConvBinary = "conv-binary", ConvTenClass = "conv-ten";

    /// <summary>The model and samples (in [0, 1]) of one kind, trained 40 Adam steps; in eval mode.</summary>
    public static (TorchLip.Modules.Sequential model, Tensor x) Make(string kind, long seed, double k = 1.0)
    {
        torch.manual_seed(seed);
        bool conv = kind.StartsWith("conv", StringComparison.Ordinal);
        long classes = kind.EndsWith("ten", StringComparison.Ordinal) ? 10 : 1;
        var model = conv
            ? torchlip.Sequential(k, torchlip.SpectralConv2d(1, 4, 3, padding: 1), torchlip.GroupSort2(), torchlip.ScaledL2NormPool2d(2),
                nn.Flatten(), torchlip.SpectralLinear(64, 16), torchlip.GroupSort2(), torchlip.SpectralLinear(16, classes))
            : torchlip.Sequential(k, torchlip.SpectralLinear(16, 32), torchlip.GroupSort2(), torchlip.SpectralLinear(32, 16), torchlip.GroupSort2(),
                classes == 1 ? torchlip.FrobeniusLinear(16, 1) : torchlip.SpectralLinear(16, classes));
        var x = conv ? torch.rand(64, 1, 8, 8) : torch.rand(64, 16);
        var teacher = torch.randn(x[0].numel(), classes);
        var scores = (x.reshape(64, -1) - 0.5).mm(teacher);
        var opt = torchlip.Adam(model.parameters(), lr: 0.05);
        for (int i = 0; i < 40; i++)
        {
            using var step = torch.NewDisposeScope();
            var f = model.call(x);
            var loss = classes == 1
                ? torchlip.hkr_loss(f.squeeze(-1), scores.squeeze(-1).sign(), alpha: 10)
                : nn.functional.cross_entropy(f * 10, scores.argmax(1));
            opt.zero_grad(); loss.backward(); opt.step();
        }
        model.eval();
        return (model, x);
    }
}
