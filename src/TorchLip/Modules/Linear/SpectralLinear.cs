using System;
using System.Linq;
using TorchLip.Constraints;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Normalizers;

namespace TorchLip.Modules
{
    /// <summary>
    /// A k-Lipschitz linear layer with an orthonormalized weight (all singular values equal to k), certified in float64
    /// on the weight as applied.
    /// </summary>
    /// <remarks>
    /// The constraint is chosen by a <see cref="SpectralOptions"/> preset. By default (<see cref="SpectralOptions.WarmStart"/>)
    /// each weight computation starts from the previous one's result (the buffer <c>preconditioner</c>, see
    /// <see cref="Normalizers.WarmBjorck"/>): a few Björck steps in the small Gram space instead of fifteen, which makes
    /// training several times faster. <see cref="SpectralOptions.Classic"/> (<c>warm_start: false</c>) runs deel-torchlip's
    /// chain: train mode advances the power iteration (buffers <c>u</c>, <c>v</c>), then Björck runs from W/σ̂. Both
    /// back-propagate exactly through every Björck step; eval mode never advances state.
    /// </remarks>
    public sealed class SpectralLinear : ConstrainedLinear
    {
        /// <summary>Creates the layer with the settings of a preset. See <see cref="torchlip.SpectralLinear(long, long, SpectralOptions, bool, double)"/>.</summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="options">The orthonormalization and its settings.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public SpectralLinear(long in_features, long out_features, SpectralOptions options, bool bias = true, double k_coef_lip = 1.0)
            : base(nameof(SpectralLinear), in_features, out_features, bias, WeightConstraint.Spectral(options), k_coef_lip)
        {
            this.options = options;
            RegisterComponents();
        }

        /// <summary>Creates the layer with deel-torchlip's arguments. See <see cref="torchlip.SpectralLinear(long, long, bool, double, int?, int, double?, double?, double, bool)"/>.</summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        /// <param name="niter_spectral">Classic chain only: power iterations per train-mode forward (default 3).</param>
        /// <param name="niter_bjorck">Maximum Björck iterations per weight computation.</param>
        /// <param name="eps_bjorck">Classic chain only: stop Björck early once ‖ΔW‖_F &lt; eps (null: always run niter_bjorck).</param>
        /// <param name="eps_spectral">Classic chain only: normalization floor of the power iteration (default 1e-3).</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        /// <param name="warm_start">Start each orthonormalization from the previous one (the default); false runs the classic deel-torchlip chain.</param>
        public SpectralLinear(long in_features, long out_features, bool bias = true, double k_coef_lip = 1.0,
            int? niter_spectral = null, int niter_bjorck = ConstraintDefaults.BjorckIterations, double? eps_bjorck = null, double? eps_spectral = null,
            double beta_bjorck = ConstraintDefaults.BjorckBeta, bool warm_start = true)
            : this(in_features, out_features, SpectralOptions.FromArguments(niter_spectral, niter_bjorck, eps_bjorck, eps_spectral, beta_bjorck, warm_start), bias, k_coef_lip) { }

        /// <summary>The orthonormalization and its settings.</summary>
        public SpectralOptions options { get; }

        /// <summary>Whether each orthonormalization starts from the previous one (the default) or runs the classic chain.</summary>
        public bool warm_start => options.Orthonormalization == Orthonormalization.WarmBjorck;

        /// <summary>Maximum Björck iterations.</summary>
        public int niter_bjorck => options.BjorckIterations;

        /// <summary>Björck step size β.</summary>
        public double beta_bjorck => options.BjorckBeta;

        /// <summary>Left singular vector estimate (out_features) of the classic chain, the persistent buffer <c>u</c>.</summary>
        /// <exception cref="InvalidOperationException">The layer uses the warm start, which keeps no such estimate.</exception>
        public Tensor u_vector => Stage<SpectralNormalization>("u_vector", "warm_start: false").u;

        /// <summary>Right singular vector estimate (in_features) of the classic chain, the persistent buffer <c>v</c>.</summary>
        /// <exception cref="InvalidOperationException">The layer uses the warm start, which keeps no such estimate.</exception>
        public Tensor v_vector => Stage<SpectralNormalization>("v_vector", "warm_start: false").v;

        /// <summary>The warm start P (min(in, out) square), the persistent buffer <c>preconditioner</c> (the effective weight is P·W, or W·Pᵀ when tall).</summary>
        /// <exception cref="InvalidOperationException">The layer runs the classic chain, which keeps no warm start.</exception>
        public Tensor preconditioner_matrix => Stage<WarmBjorckOrthonormalization>("preconditioner_matrix", "warm_start: true").preconditioner;

        private T Stage<T>(string what, string needs) where T : ConstraintStage =>
            constraint.Stages.OfType<T>().FirstOrDefault()
            ?? throw new InvalidOperationException($"{this}: {what} exists only with {needs} (this layer's constraint is {constraint}).");

    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A k-Lipschitz linear layer whose weight has all its singular values equal to k (Björck orthonormalization,
        /// warm-started by default), certified in float64. Input (*, in_features), output (*, out_features).
        /// </summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        /// <param name="niter_spectral">Classic chain only (<paramref name="warm_start"/> false): power iterations per train-mode forward (default 3).</param>
        /// <param name="niter_bjorck">Maximum Björck iterations.</param>
        /// <param name="eps_bjorck">Classic chain only: stop Björck early once ‖ΔW‖_F &lt; eps; null always runs <paramref name="niter_bjorck"/>.</param>
        /// <param name="eps_spectral">Classic chain only: normalization floor of the power iteration (default 1e-3).</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        /// <param name="warm_start">Start each orthonormalization from the previous one (fast; default) instead of the classic chain.</param>
        /// <exception cref="ArgumentException">A classic-chain setting with the warm start, or a value out of range.</exception>
        public static Modules.SpectralLinear SpectralLinear(long in_features, long out_features, bool bias = true, double k_coef_lip = 1.0,
            int? niter_spectral = null, int niter_bjorck = Constraints.ConstraintDefaults.BjorckIterations, double? eps_bjorck = null, double? eps_spectral = null,
            double beta_bjorck = Constraints.ConstraintDefaults.BjorckBeta, bool warm_start = true)
            => new(in_features, out_features, bias, k_coef_lip, niter_spectral, niter_bjorck, eps_bjorck, eps_spectral, beta_bjorck, warm_start);

        /// <summary>A k-Lipschitz orthonormalized linear layer with the settings of a <see cref="Constraints.SpectralOptions"/> preset.</summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="options">The preset, e.g. <see cref="Constraints.SpectralOptions.Classic"/>.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        public static Modules.SpectralLinear SpectralLinear(long in_features, long out_features, Constraints.SpectralOptions options, bool bias = true, double k_coef_lip = 1.0)
            => new(in_features, out_features, options, bias, k_coef_lip);
    }
}
