using System;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>
/// The pieces of one SpectralLinear's train-mode weight computation, rebuilt from the library's public normalizers
/// in the order <c>SpectralLinear.ConstrainWeight</c> runs them, so that each can be timed on its own.
/// </summary>
internal sealed class LayerProbe : IDisposable
{
    private readonly Modules.SpectralLinear _layer;
    private readonly Tensor _outputGrad;   // a fixed upstream gradient for the weight's backward
    private readonly Tensor _orthonormal;  // a finished effective weight, for the guard

    public LayerProbe(Modules.SpectralLinear layer)
    {
        _layer = layer;
        using var noGrad = torch.no_grad();
        _outputGrad = torch.randn(layer.out_features, layer.in_features).DetachFromDisposeScope();
        _orthonormal = layer.effective_weight().detach().clone().DetachFromDisposeScope();
    }

    public string Name => $"SpectralLinear {_layer.in_features}->{_layer.out_features}";

    private Tensor Raw => _layer.raw_weight;

    /// <summary>The power-iteration advance of a train-mode forward, on copies of u and v.</summary>
    public void PowerIteration()
    {
        var u = _layer.u_vector.clone();
        var v = _layer.v_vector.clone();
        torchlip.normalizers.power_iteration(Raw, u, v, _layer.niter_spectral, _layer.eps_spectral);
    }

    /// <summary>The whole effective weight (σ estimate, bound, Björck, guard), building the autograd graph.</summary>
    public Tensor EffectiveWeight() => _layer.effective_weight();

    public void EffectiveWeightBackward() => Backward(_layer.effective_weight());

    /// <summary>The float64 upper bound on σ_max that guards against a stale σ estimate.</summary>
    public void SpectralBoundCheck() => SpectralBound.UpperBound(Raw);

    /// <summary>W / σ̂ with σ̂ = uᵀWv, differentiable in W.</summary>
    public Tensor Normalized() => Raw / torchlip.normalizers.spectral_norm_estimate(Raw, _layer.u_vector, _layer.v_vector);

    public Tensor Bjorck(int iterations) => Normalizers.Bjorck.Orthonormalize(Normalized(), null, _layer.beta_bjorck, iterations).Weight;

    public void BjorckBackward(int iterations) => Backward(Bjorck(iterations));

    /// <summary>The contraction certificate ‖WWᵀ − I‖_F (a Gram matrix, a norm and a host sync).</summary>
    public void Guard() => ContractionGuard.Residual(_orthonormal);

    /// <summary>
    /// A candidate replacement for Björck: the exact polar factor (MMᵀ)^(−1/2)·M from an eigendecomposition of the
    /// small Gram matrix, in float64 (float32 eigh leaves |σ − 1| near 1e-6 only for well-conditioned M).
    /// </summary>
    public Tensor PolarByEigh()
    {
        var m = Normalized();
        bool wide = m.shape[0] <= m.shape[1];
        var m64 = (wide ? m : m.t()).to_type(ScalarType.Float64);
        var (lambda, vectors) = linalg.eigh(m64.mm(m64.t()));
        var inverseRoot = (vectors * lambda.rsqrt()).mm(vectors.t());
        var w = inverseRoot.mm(m64).to_type(m.dtype);
        return wide ? w : w.t();
    }

    public void PolarByEighBackward() => Backward(PolarByEigh());

    /// <summary>
    /// ‖g_eigh − g_Björck‖ / ‖g_Björck‖ for the raw weight's gradient: autograd through eigh divides by eigenvalue
    /// gaps, which vanish when the raw weight is (near-)orthogonal, as it is at initialization. NaN if not finite.
    /// </summary>
    public double PolarByEighGradientError()
    {
        using var scope = torch.NewDisposeScope();
        var reference = Gradient(Bjorck(15));
        var eigh = Gradient(PolarByEigh());
        double error = ((eigh - reference).norm() / reference.norm()).item<float>();
        return double.IsFinite(error) ? error : double.NaN;
    }

    private Tensor Gradient(Tensor w)
    {
        w.backward(new[] { _outputGrad });
        var g = Raw.grad!.clone();
        Raw.grad.zero_();
        return g;
    }

    /// <summary>Björck steps an early stop at <paramref name="eps"/> would take from the current weight.</summary>
    public int BjorckIterations(double eps)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return Normalizers.Bjorck.Orthonormalize(Normalized(), eps, _layer.beta_bjorck, _layer.niter_bjorck).IterationsRun;
    }

    /// <summary>The fewest Björck steps (of at most 15) after which every |σ − 1| ≤ <paramref name="tolerance"/>; 0 if none.</summary>
    public int BjorckIterationsFor(double tolerance)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        for (int k = 1; k <= 15; k++)
            if (Deviation(Bjorck(k)) <= tolerance) return k;
        return 0;
    }

    /// <summary>max |σ − 1| over the singular values of <paramref name="w"/>, in float64.</summary>
    public static double Deviation(Tensor w)
    {
        using var noGrad = torch.no_grad();
        var sv = linalg.svdvals(w.detach().to_type(ScalarType.Float64));
        return Math.Max((sv.max() - 1).abs().item<double>(), (sv.min() - 1).abs().item<double>());
    }

    private void Backward(Tensor w)
    {
        w.backward(new[] { _outputGrad });
        Raw.grad?.zero_();
    }

    public void Dispose()
    {
        _outputGrad.Dispose();
        _orthonormal.Dispose();
    }
}
