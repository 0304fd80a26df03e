using System;
using TorchLip.Normalizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz linear layer with an orthonormalized weight (all singular values equal to k): the raw weight is
    /// divided by its spectral norm estimated by power iteration, then orthonormalized by Björck iterations.
    /// </summary>
    /// <remarks>
    /// By default (<see cref="warm_start"/>) each weight computation starts from the previous one's result (the
    /// persistent buffer <c>preconditioner</c>, see <see cref="WarmBjorck"/>): a few Björck steps in the small Gram
    /// space instead of fifteen, which makes training several times faster. With <c>warm_start: false</c> the layer runs
    /// deel-torchlip's chain: train mode advances the power iteration by <see cref="niter_spectral"/> steps per forward
    /// (persistent buffers <c>u</c>, <c>v</c>), then Björck runs from W/σ̂. Both back-propagate exactly through every
    /// Björck step; eval mode never advances state; both certify the result (σ_max ≤ 1 + 1e-5, rescaling if needed).
    /// </remarks>
    public sealed class SpectralLinear : ConstrainedLinear
    {
        [TorchSharp.Utils.ComponentName(Name = "u")]
        private readonly Tensor u;

        [TorchSharp.Utils.ComponentName(Name = "v")]
        private readonly Tensor v;

        [TorchSharp.Utils.ComponentName(Name = "preconditioner")]
        private readonly Tensor preconditioner;

        /// <summary>Creates the layer. See <see cref="torchlip.SpectralLinear"/>.</summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        /// <param name="niter_spectral">Power iterations per train-mode forward.</param>
        /// <param name="niter_bjorck">Maximum Björck iterations per weight computation.</param>
        /// <param name="eps_bjorck">Stop Björck early once ‖ΔW‖_F &lt; eps (null: always run niter_bjorck).</param>
        /// <param name="eps_spectral">Normalization floor of the power iteration.</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        /// <param name="warm_start">Start each orthonormalization from the previous one (see <see cref="WarmBjorck"/>); false runs the classic
        /// deel-torchlip chain (power iteration, then Björck from W/σ̂) on every forward.</param>
        public SpectralLinear(long in_features, long out_features, bool bias = true, double k_coef_lip = 1.0,
            int niter_spectral = 3, int niter_bjorck = 15, double? eps_bjorck = null, double eps_spectral = 1e-3, double beta_bjorck = 0.5,
            bool warm_start = true)
            : base(nameof(SpectralLinear), in_features, out_features, bias, k_coef_lip)
        {
            if (niter_spectral < 0) throw new ArgumentOutOfRangeException(nameof(niter_spectral), niter_spectral, "niter_spectral must be >= 0.");
            if (niter_bjorck < 1)
                throw new ArgumentOutOfRangeException(nameof(niter_bjorck), niter_bjorck,
                    "niter_bjorck must be >= 1: without Björck the power-iteration estimate alone cannot guarantee a contraction. " +
                    "Use FrobeniusLinear for a normalization without orthogonalization.");
            if (eps_bjorck is double e) Checks.PositiveFinite(e, nameof(eps_bjorck));
            Checks.PositiveFinite(eps_spectral, nameof(eps_spectral));
            Checks.PositiveFinite(beta_bjorck, nameof(beta_bjorck));
            this.niter_spectral = niter_spectral;
            this.niter_bjorck = niter_bjorck;
            this.eps_bjorck = eps_bjorck;
            this.eps_spectral = eps_spectral;
            this.beta_bjorck = beta_bjorck;
            this.warm_start = warm_start;
            using (torch.no_grad())
            {
                u = nn.functional.normalize(torch.randn(out_features), p: 2, dim: 0);
                v = nn.functional.normalize(torch.randn(in_features), p: 2, dim: 0);
            }
            torchlip.normalizers.power_iteration(weight, u, v, 15, eps_spectral);
            using (torch.no_grad())
                preconditioner = torch.eye(Math.Min(in_features, out_features)) / torchlip.normalizers.spectral_norm_estimate(weight, u, v);
            RegisterComponents();
        }

        /// <summary>Power iterations per train-mode forward.</summary>
        public int niter_spectral { get; }

        /// <summary>Maximum Björck iterations.</summary>
        public int niter_bjorck { get; }

        /// <summary>Björck early-stop threshold, or null for a fixed count.</summary>
        public double? eps_bjorck { get; }

        /// <summary>Normalization floor of the power iteration.</summary>
        public double eps_spectral { get; }

        /// <summary>Björck step size β.</summary>
        public double beta_bjorck { get; }

        /// <summary>Whether each orthonormalization starts from the previous one (the default) or runs the classic chain.</summary>
        public bool warm_start { get; }

        /// <summary>Left singular vector estimate (out_features), a persistent buffer.</summary>
        public Tensor u_vector => u;

        /// <summary>Right singular vector estimate (in_features), a persistent buffer.</summary>
        public Tensor v_vector => v;

        /// <summary>The warm start P (min(in, out) square), a persistent buffer: the effective weight is P·W (or W·P when tall).</summary>
        public Tensor preconditioner_matrix => preconditioner;

        /// <inheritdoc/>
        protected override Tensor AppliedWeight(bool advance) =>
            warm_start ? WarmOrthonormalize(advance).Weight() : ClassicChain(advance);

        /// <inheritdoc/>
        protected override Tensor TrainingLinear(Tensor input) =>
            warm_start ? WarmOrthonormalize(advance: true).Linear(input, bias) : base.TrainingLinear(input);

        private WarmBjorckResult WarmOrthonormalize(bool advance)
        {
            var result = WarmBjorck.Orthonormalize(weight, preconditioner, beta_bjorck, niter_bjorck, scale_factor, ToString());
            if (advance)
                using (torch.no_grad()) preconditioner.copy_(result.Preconditioner);
            return result;
        }

        private Tensor ClassicChain(bool advance)
        {
            if (!torch.isfinite(weight.detach()).all().item<bool>()) throw Checks.NotFinite(ToString(), "the raw weight");
            if (advance) torchlip.normalizers.power_iteration(weight, u, v, niter_spectral, eps_spectral);
            var sigma = torchlip.normalizers.spectral_norm_estimate(weight, u, v);
            double k = scale_factor;
            var w = Bjorck.Orthonormalize(weight / SafeDenominator(sigma), eps_bjorck, beta_bjorck, niter_bjorck).Weight;
            if (k != 1.0)
            {
                using var s = k.ToScalar();
                w = w.mul(s);
            }
            // A finite raw weight never makes the forward throw: should Björck overflow, the Frobenius normalization
            // (a contraction) stands in for it.
            return ContractionGuard.TryEnforce(w, k, out _)
                ?? ContractionGuard.Enforce(torchlip.normalizers.frobenius_normalization(weight.to_type(ScalarType.Float64)).mul(k).to_type(weight.dtype), ToString(), k);
        }

        // σ̂ never exceeds σ_max. When the estimate is stale (weights changed outside training, a state loaded without
        // its u, v), W/σ̂ can leave the region where Björck converges (Bjorck.ConvergenceRadius) and blow up; a guaranteed
        // upper bound on σ_max then replaces σ̂: the polar factor Björck converges to does not depend on the scale.
        private Tensor SafeDenominator(Tensor sigma)
        {
            double bound = SpectralBound.UpperBound(weight);
            if (bound == 0 || !double.IsFinite(bound)) return torch.ones_like(sigma);   // a zero weight stays zero
            double region = Bjorck.ConvergenceRadius(beta_bjorck);
            double estimate = sigma.to_type(ScalarType.Float64).item<double>();
            return bound <= region * estimate * (1 - 1e-6) ? sigma : torch.tensor(bound / region, dtype: weight.dtype, device: weight.device);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A k-Lipschitz linear layer whose weight has all its singular values equal to k (spectral normalization
        /// followed by Björck orthonormalization). Input (*, in_features), output (*, out_features).
        /// </summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        /// <param name="niter_spectral">Power iterations per train-mode forward (3 in the deel-torchlip tutorial era).</param>
        /// <param name="niter_bjorck">Maximum Björck iterations.</param>
        /// <param name="eps_bjorck">Stop Björck early once ‖ΔW‖_F &lt; eps; null always runs <paramref name="niter_bjorck"/>.</param>
        /// <param name="eps_spectral">Normalization floor of the power iteration.</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        /// <param name="warm_start">Start each orthonormalization from the previous one (fast; default) instead of the classic chain.</param>
        public static Modules.SpectralLinear SpectralLinear(long in_features, long out_features, bool bias = true, double k_coef_lip = 1.0,
            int niter_spectral = 3, int niter_bjorck = 15, double? eps_bjorck = null, double eps_spectral = 1e-3, double beta_bjorck = 0.5,
            bool warm_start = true)
            => new(in_features, out_features, bias, k_coef_lip, niter_spectral, niter_bjorck, eps_bjorck, eps_spectral, beta_bjorck, warm_start);
    }
}
