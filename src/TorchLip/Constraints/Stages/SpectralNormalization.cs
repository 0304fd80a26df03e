using System;
using System.Collections.Generic;
using TorchLip.Internal;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// Division by the spectral norm estimated by power iteration, as torch's <c>spectral_norm</c> parametrization does
    /// it (the first link of deel-torchlip's chain): each train-mode forward advances the persistent singular-vector
    /// estimates by <see cref="niter_spectral"/> steps, then σ̂ = uᵀ·W·v, differentiable in W. Buffers <c>u</c> (out) and
    /// <c>v</c> (in), started with 15 power iterations.
    /// </summary>
    /// <remarks>
    /// σ̂ never exceeds σ_max. When the estimate is stale (weights changed outside training, a state loaded without its
    /// u, v) W/σ̂ can leave the region where Björck converges and blow up, so a guaranteed upper bound of σ_max replaces
    /// σ̂ then: the polar factor Björck converges to does not depend on the scale.
    /// </remarks>
    public sealed class SpectralNormalization : ConstraintStage
    {
        /// <summary>The state-dict names of the singular-vector estimates.</summary>
        public const string LeftBuffer = "u", RightBuffer = "v";

        private readonly double _radius;
        private Tensor? _u, _v;

        /// <summary>Creates the stage.</summary>
        /// <param name="niter_spectral">Power iterations per train-mode forward (≥ 0).</param>
        /// <param name="eps_spectral">Normalization floor of the power iteration (&gt; 0).</param>
        /// <param name="convergence_radius">Largest σ the next stage accepts (Björck's region); a stale estimate is replaced beyond it.</param>
        public SpectralNormalization(int niter_spectral = ConstraintDefaults.SpectralIterations, double eps_spectral = ConstraintDefaults.SpectralEpsilon,
            double convergence_radius = double.PositiveInfinity)
        {
            if (niter_spectral < 0) throw new ArgumentOutOfRangeException(nameof(niter_spectral), niter_spectral, "niter_spectral must be >= 0.");
            ArgumentChecks.PositiveFinite(eps_spectral, nameof(eps_spectral));
            this.niter_spectral = niter_spectral;
            this.eps_spectral = eps_spectral;
            _radius = convergence_radius;
        }

        /// <summary>Power iterations per train-mode forward.</summary>
        public int niter_spectral { get; }

        /// <summary>Normalization floor of the power iteration.</summary>
        public double eps_spectral { get; }

        /// <summary>Left singular vector estimate (out).</summary>
        public Tensor u => _u ?? throw new InvalidOperationException("SpectralNormalization: the stage is not bound to a layer yet.");

        /// <summary>Right singular vector estimate (in, the weight viewed as (out, −1)).</summary>
        public Tensor v => _v ?? throw new InvalidOperationException("SpectralNormalization: the stage is not bound to a layer yet.");

        /// <inheritdoc/>
        public override IReadOnlyList<(string Name, Tensor Initial)> CreateBuffers(Tensor raw)
        {
            using var noGrad = torch.no_grad();
            var (u, v) = PowerIteration.RandomVectors(raw);
            PowerIteration.Advance(PowerIteration.Matrix(raw), u, v, ConstraintDefaults.InitialSpectralIterations, eps_spectral);
            return new[] { (LeftBuffer, u), (RightBuffer, v) };
        }

        /// <inheritdoc/>
        public override void Bind(Func<string, Tensor> buffer)
        {
            _u = buffer(LeftBuffer);
            _v = buffer(RightBuffer);
        }

        /// <inheritdoc/>
        public override ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context)
        {
            var w = weight.Value;
            if (!torch.isfinite(w.detach()).all().item<bool>()) throw ArgumentChecks.NotFinite(context.Layer.ToString()!, "the raw weight");
            var matrix = PowerIteration.Matrix(w);
            if (context.Advance) PowerIteration.Advance(matrix, u, v, niter_spectral, eps_spectral);
            var sigma = PowerIteration.Sigma(matrix, u, v);
            return ConstrainedWeight.Formed(w / SafeDenominator(w, sigma), w.dtype).Times(weight.Scale);
        }

        private Tensor SafeDenominator(Tensor w, Tensor sigma)
        {
            if (double.IsPositiveInfinity(_radius)) return sigma;
            double bound = SpectralBound.UpperBound(w);
            if (bound == 0 || !double.IsFinite(bound)) return torch.ones_like(sigma);   // a zero weight stays zero
            double estimate = sigma.to_type(ScalarType.Float64).item<double>();
            return bound <= _radius * estimate * (1 - 1e-6) ? sigma : torch.tensor(bound / _radius, dtype: w.dtype, device: w.device);
        }

        /// <inheritdoc/>
        public override string ToString() => FormattableString.Invariant($"SpectralNormalization(niter_spectral={niter_spectral}, eps_spectral={eps_spectral})");
    }
}
