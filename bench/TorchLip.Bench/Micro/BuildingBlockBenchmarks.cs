using BenchmarkDotNet.Attributes;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Micro;

/// <summary>
/// The building blocks of a SpectralLinear training step at the tutorial's sizes: Björck on the first layer's
/// 128×784 weight (β = 0.5, 15 iterations, no early stop, as deel-torchlip), the warm start's single certified step
/// that replaces it by default, the 3-step power iteration, FullSort on a 128×128 batch and torch.sort as its baseline.
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class BuildingBlockBenchmarks
{
    private Tensor _weight = null!, _weightWithGrad = null!, _weightGrad = null!, _u = null!, _v = null!;
    private Tensor _activations = null!, _activationsWithGrad = null!, _activationsGrad = null!;
    private Tensor _movedWeight = null!, _preconditioner = null!;

    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(MicroRunner.Threads);
        torch.manual_seed(0);
        using var scope = torch.NewDisposeScope();
        // A random weight scaled to spectral norm 1, as Björck receives it after the power-iteration division.
        var w = torch.randn(128, 784);
        w = w / linalg.svdvals(w).max();
        _weight = w.detach().clone().DetachFromDisposeScope();
        _weightWithGrad = w.detach().clone().requires_grad_(true).DetachFromDisposeScope();
        _weightGrad = torch.randn(128, 784).DetachFromDisposeScope();
        _u = nn.functional.normalize(torch.randn(128), p: 2, dim: 0).DetachFromDisposeScope();
        _v = nn.functional.normalize(torch.randn(784), p: 2, dim: 0).DetachFromDisposeScope();
        _activations = torch.randn(128, 128).DetachFromDisposeScope();
        _activationsWithGrad = torch.randn(128, 128).requires_grad_(true).DetachFromDisposeScope();
        _activationsGrad = torch.randn(128, 128).DetachFromDisposeScope();
        // A preconditioner converged for the weight, and the weight after one optimizer-sized move (about 1 % of
        // each entry): every call then takes the same single step, as steady-state training does.
        _preconditioner = WarmBjorck.Orthonormalize(w, torch.eye(128), maxiter: 50).Preconditioner.DetachFromDisposeScope();
        _movedWeight = (w + 3e-4 * torch.randn(128, 784).sign()).requires_grad_(true).DetachFromDisposeScope();
    }

    [Benchmark(Description = "Bjorck 128x784, 15 it, forward")]
    public void BjorckForward()
    {
        using var scope = torch.NewDisposeScope();
        Bjorck.Orthonormalize(_weight, null, 0.5, 15);
    }

    [Benchmark(Description = "Bjorck 128x784, 15 it, forward+backward")]
    public void BjorckForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        Bjorck.Orthonormalize(_weightWithGrad, null, 0.5, 15).Weight.backward(new[] { _weightGrad });
        _weightWithGrad.grad?.zero_();
    }

    [Benchmark(Description = "WarmBjorck 128x784, one certified step, forward+backward")]
    public void WarmStepForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        WarmBjorck.Orthonormalize(_movedWeight, _preconditioner).Weight().backward(new[] { _weightGrad });
        _movedWeight.grad?.zero_();
    }

    [Benchmark(Description = "power_iteration 128x784, 3 it")]
    public void PowerIteration()
    {
        using var scope = torch.NewDisposeScope();
        torchlip.normalizers.power_iteration(_weight, _u, _v, 3, 1e-3);
    }

    [Benchmark(Description = "FullSort 128x128, forward")]
    public void FullSortForward()
    {
        using var scope = torch.NewDisposeScope();
        torchlip.full_sort(_activations);
    }

    [Benchmark(Description = "FullSort 128x128, forward+backward")]
    public void FullSortForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        torchlip.full_sort(_activationsWithGrad).backward(new[] { _activationsGrad });
        _activationsWithGrad.grad?.zero_();
    }

    [Benchmark(Description = "torch.sort 128x128 (stable), forward+backward (FullSort's baseline)")]
    public void TorchSortForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        _activationsWithGrad.sort(1, stable: true).Values.backward(new[] { _activationsGrad });
        _activationsWithGrad.grad?.zero_();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _weight, _weightWithGrad, _weightGrad, _u, _v, _activations, _activationsWithGrad, _activationsGrad, _movedWeight, _preconditioner })
            t.Dispose();
    }
}
