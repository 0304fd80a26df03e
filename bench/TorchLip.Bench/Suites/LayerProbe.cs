using System;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Bench.Suites;

/// <summary>
/// The pieces of one SpectralLinear's train-mode computation, rebuilt from the library's public normalizers so that
/// each can be timed on its own: the default warm-start path (<see cref="WarmBjorck"/>, started from the layer's
/// current preconditioner, applied as factors), a plain linear map of the same shapes, and the classic chain
/// (power iteration, W/σ̂, Björck) for comparison.
/// </summary>
/// <remarks>
/// The warm path never advances the layer's power-iteration vectors, so the probe keeps its own copies of u and v,
/// refreshed by <see cref="RefreshSpectralEstimate"/> before classic-chain measurements: from a stale σ̂, W/σ̂ can
/// leave the region where Björck converges. Nothing here changes the layer's state.
/// </remarks>
internal sealed class LayerProbe : IDisposable
{
    /// <summary>Power iterations that refresh the probe's σ̂ (the layer's own vectors date from its construction).</summary>
    public const int RefreshIterations = 30;

    private readonly Modules.SpectralLinear _layer;
    private readonly Tensor _u, _v;           // the probe's power-iteration vectors
    private readonly Tensor _weightGrad;      // a fixed upstream gradient for the weight's backward (out, in)
    private readonly Tensor _input;           // a batch of inputs (batch, in)
    private readonly Tensor _outputGrad;      // a fixed upstream gradient for the layer's output (batch, out)
    private readonly Tensor _orthonormal;     // a finished effective weight, for the classic chain's guard

    /// <param name="layer">The layer, left unchanged.</param>
    /// <param name="batch">Rows of the input batch for the linear-map timings.</param>
    /// <param name="inputRequiresGrad">Whether the input needs a gradient (every layer but the first: its input comes from the layer before).</param>
    public LayerProbe(Modules.SpectralLinear layer, long batch, bool inputRequiresGrad)
    {
        _layer = layer;
        using var noGrad = torch.no_grad();
        _u = layer.u_vector.clone().DetachFromDisposeScope();
        _v = layer.v_vector.clone().DetachFromDisposeScope();
        _weightGrad = torch.randn(layer.out_features, layer.in_features).DetachFromDisposeScope();
        _input = torch.randn(batch, layer.in_features).requires_grad_(inputRequiresGrad).DetachFromDisposeScope();
        _outputGrad = torch.randn(batch, layer.out_features).DetachFromDisposeScope();
        _orthonormal = layer.effective_weight().detach().clone().DetachFromDisposeScope();
        RefreshSpectralEstimate();
    }

    public string Name => $"SpectralLinear {_layer.in_features}->{_layer.out_features}";

    private Tensor Raw => _layer.raw_weight;

    // ---- the warm-start path (the default) ----

    /// <summary>
    /// <see cref="WarmBjorck.Orthonormalize"/> from the layer's current weight and preconditioner (a copy): what the
    /// next training step's forward runs. With gradient recording on, as in training.
    /// </summary>
    public WarmBjorckResult Warm() =>
        WarmBjorck.Orthonormalize(Raw, _layer.preconditioner_matrix.clone(), _layer.beta_bjorck, _layer.niter_bjorck);

    /// <summary>The warm start's Björck steps from the current weight and preconditioner.</summary>
    public int WarmIterations()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return Warm().Iterations;
    }

    /// <summary>The train-mode linear map through the warm start's factors, forward and backward.</summary>
    public void WarmLinearBackward()
    {
        Warm().Linear(_input, _layer.bias_parameter).backward(new[] { _outputGrad });
        ZeroGrads();
    }

    /// <summary>The same map with the raw weight as a plain linear layer would apply it, forward and backward.</summary>
    public void PlainLinearBackward()
    {
        nn.functional.linear(_input, Raw, _layer.bias_parameter).backward(new[] { _outputGrad });
        ZeroGrads();
    }

    // ---- the classic chain (for comparison) ----

    /// <summary>
    /// Power-iterates the probe's u and v until σ̂ = uᵀWv is at least the guaranteed bound on σ_max divided by
    /// Björck's convergence radius (<see cref="RefreshIterations"/> steps, more if needed), so W/σ̂ is safe for Björck.
    /// </summary>
    public void RefreshSpectralEstimate()
    {
        double region = Normalizers.Bjorck.ConvergenceRadius(_layer.beta_bjorck);
        double bound = SpectralBound.UpperBound(Raw);
        for (int done = 0; done < 10 * RefreshIterations; done += RefreshIterations)
        {
            torchlip.normalizers.power_iteration(Raw, _u, _v, RefreshIterations, (_layer.options.SpectralEpsilon ?? TorchLip.Constraints.ConstraintDefaults.SpectralEpsilon));
            double sigma;
            using (torch.no_grad())
            using (var scope = torch.NewDisposeScope())
                sigma = torchlip.normalizers.spectral_norm_estimate(Raw, _u, _v).to_type(ScalarType.Float64).item<double>();
            if (bound <= region * sigma * (1 - 1e-6)) return;
        }
        throw new InvalidOperationException($"{Name}: the power iteration did not bring σ̂ within Björck's region after {10 * RefreshIterations} steps.");
    }

    /// <summary>The classic chain's power-iteration advance per train-mode forward (3 steps), on copies of u and v.</summary>
    public void PowerIteration()
    {
        var u = _u.clone();
        var v = _v.clone();
        torchlip.normalizers.power_iteration(Raw, u, v, (_layer.options.SpectralIterations ?? TorchLip.Constraints.ConstraintDefaults.SpectralIterations), (_layer.options.SpectralEpsilon ?? TorchLip.Constraints.ConstraintDefaults.SpectralEpsilon));
    }

    /// <summary>The float64 upper bound on σ_max that guards the classic chain against a stale σ estimate.</summary>
    public void SpectralBoundCheck() => SpectralBound.UpperBound(Raw);

    /// <summary>W / σ̂ with σ̂ = uᵀWv from the probe's vectors, differentiable in W.</summary>
    public Tensor Normalized() => Raw / torchlip.normalizers.spectral_norm_estimate(Raw, _u, _v);

    public Tensor Bjorck(int iterations) => Normalizers.Bjorck.Orthonormalize(Normalized(), null, _layer.beta_bjorck, iterations).Weight;

    public void BjorckBackward(int iterations) => Backward(Bjorck(iterations));

    /// <summary>The classic chain's contraction certificate ‖WWᵀ − I‖_F (a Gram matrix, a norm and a host sync).</summary>
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
        w.backward(new[] { _weightGrad });
        var g = Raw.grad!.clone();
        Raw.grad.zero_();
        return g;
    }

    /// <summary>Björck steps an early stop at <paramref name="eps"/> would take from W/σ̂.</summary>
    public int BjorckIterations(double eps)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return Normalizers.Bjorck.Orthonormalize(Normalized(), eps, _layer.beta_bjorck, _layer.niter_bjorck).IterationsRun;
    }

    /// <summary>The fewest Björck steps from W/σ̂ (of at most 15) after which every |σ − 1| ≤ <paramref name="tolerance"/>; 0 if none.</summary>
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
        w.backward(new[] { _weightGrad });
        ZeroGrads();
    }

    private void ZeroGrads()
    {
        Raw.grad?.zero_();
        _layer.bias_parameter?.grad?.zero_();
        _input.grad?.zero_();
    }

    public void Dispose()
    {
        _u.Dispose();
        _v.Dispose();
        _weightGrad.Dispose();
        _input.Dispose();
        _outputGrad.Dispose();
        _orthonormal.Dispose();
    }
}
