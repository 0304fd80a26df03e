using System;
using System.Collections.Generic;
using TorchLip.Internal;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// Orthonormalization by Björck steps started from the previous call's result (<see cref="WarmBjorck"/>), the default
    /// of every spectral layer: a few steps per training step instead of fifteen, exact gradients, and a certificate on
    /// the factors as the layer applies them. Buffer <c>preconditioner</c> (m×m, m = min(out, in)).
    /// </summary>
    public sealed class WarmBjorckOrthonormalization : ConstraintStage
    {
        /// <summary>The state-dict name of the warm start.</summary>
        public const string PreconditionerBuffer = "preconditioner";

        private Tensor? _preconditioner;

        /// <summary>Creates the stage.</summary>
        /// <param name="niter_bjorck">Björck steps per weight computation at most (≥ 1).</param>
        /// <param name="beta_bjorck">Björck step size β (&gt; 0).</param>
        public WarmBjorckOrthonormalization(int niter_bjorck = ConstraintDefaults.BjorckIterations, double beta_bjorck = ConstraintDefaults.BjorckBeta)
        {
            if (niter_bjorck < 1)
                throw new ArgumentOutOfRangeException(nameof(niter_bjorck), niter_bjorck,
                    "niter_bjorck must be >= 1: without Björck steps nothing makes the weight orthonormal. " +
                    "Use FrobeniusLinear for a normalization without orthogonalization.");
            ArgumentChecks.PositiveFinite(beta_bjorck, nameof(beta_bjorck));
            this.niter_bjorck = niter_bjorck;
            this.beta_bjorck = beta_bjorck;
        }

        /// <summary>Björck steps per weight computation at most.</summary>
        public int niter_bjorck { get; }

        /// <summary>Björck step size β.</summary>
        public double beta_bjorck { get; }

        /// <summary>The warm start P: the applied weight is P·W (or W·Pᵀ when tall), before the certificate.</summary>
        public Tensor preconditioner => _preconditioner ?? throw new InvalidOperationException("WarmBjorckOrthonormalization: the stage is not bound to a layer yet.");

        /// <summary>A cold start: the identity divided by the raw weight's spectral norm, estimated by power iteration.</summary>
        /// <param name="raw">The layer's initial raw weight.</param>
        public override IReadOnlyList<(string Name, Tensor Initial)> CreateBuffers(Tensor raw)
        {
            using var noGrad = torch.no_grad();
            long rows = raw.size(0), cols = raw.numel() / Math.Max(1, rows);
            var sigma = PowerIteration.Estimate(raw, ConstraintDefaults.InitialSpectralIterations, ConstraintDefaults.SpectralEpsilon);
            using var inverse = Math.Max(sigma, 1e-30).ToScalar();
            var start = torch.eye(Math.Min(rows, cols), dtype: raw.dtype, device: raw.device).div(inverse);
            return new[] { (PreconditionerBuffer, start) };
        }

        /// <inheritdoc/>
        public override void Bind(Func<string, Tensor> buffer) => _preconditioner = buffer(PreconditionerBuffer);

        /// <inheritdoc/>
        public override ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context)
        {
            var (result, state, _) = WarmBjorck.Run(weight.Value, preconditioner, beta_bjorck, niter_bjorck, context.Layer, context.HostKernels);
            if (context.Advance)
                using (torch.no_grad()) preconditioner.copy_(state);
            return weight.Scale == 1.0 ? result : result.Times(weight.Scale);
        }

        /// <inheritdoc/>
        public override string ToString() => FormattableString.Invariant($"WarmBjorck(niter_bjorck={niter_bjorck}, beta_bjorck={beta_bjorck})");
    }
}
