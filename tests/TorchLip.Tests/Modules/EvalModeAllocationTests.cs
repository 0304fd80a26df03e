using System;
using TorchLip.Internal;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Modules;

/// <summary>
/// Eval mode must cost what the exported model costs, garbage included: TorchSharp's <c>Tensor.shape</c> leaves an
/// object for the finalizer thread on every call, and per-batch calls of it made the garbage collections of an
/// inference loop 10-20 times slower (a gen-0 collection took 40-50 ms after a few seconds of batch-128 inference).
/// </summary>
public class EvalModeAllocationTests
{
    [Fact]
    public void EvalForwardAllocatesNoMoreManagedMemoryThanTheExportedModel()
    {
        var previous = Warnings.Handler;
        Warnings.Handler = null;
        try
        {
            torch.manual_seed(0);
            using var model = Sequential(nn.Flatten(), SpectralLinear(784, 128), FullSort(), SpectralLinear(128, 64), FullSort(),
                SpectralLinear(64, 32), FullSort(), FrobeniusLinear(32, 1));
            model.eval();
            using var exported = model.vanilla_export();
            exported.eval();
            using var x = torch.rand(16, 1, 28, 28);

            double lipschitz = BytesPerForward(model, x), plain = BytesPerForward(exported, x);

            // The same layers run in both (FullSort is shared); only each constrained layer's input check is extra.
            Assert.True(lipschitz <= 1.05 * plain, $"eval mode allocates {lipschitz:0} B per forward, the exported model {plain:0} B");
        }
        finally { Warnings.Handler = previous; }
    }

    [Theory]
    [InlineData(new long[0])]
    [InlineData(new long[] { 7 })]
    [InlineData(new long[] { 2, 3, 4, 5 })]
    [InlineData(new long[] { 3, 0, 2 })]
    public void SizesMatchShape(long[] shape)
    {
        using var t = torch.zeros(shape);
        Assert.Equal(t.shape, TensorSizes.Of(t));
    }

    private static double BytesPerForward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        const int calls = 50;
        using var noGrad = torch.no_grad();
        for (int i = 0; i < 5; i++) Forward(model, x);   // first calls cache the eval weights and JIT the path
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++) Forward(model, x);
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)calls;
    }

    private static void Forward(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        model.call(x);
    }
}
