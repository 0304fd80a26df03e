using System;
using TorchLip.Internal;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// Björck orthonormalization of the weight as it stands (deel-torchlip's <c>_BjorckNorm</c>, without its eval-mode
    /// cache or truncated backward): up to <see cref="niter_bjorck"/> steps W ← (1+β)W − β·W·WᵀW, or until
    /// ‖ΔW‖_F &lt; <see cref="eps_bjorck"/>. Follows <see cref="SpectralNormalization"/> in the classic chain; stateless.
    /// </summary>
    public sealed class BjorckOrthonormalization : ConstraintStage
    {
        /// <summary>Creates the stage.</summary>
        /// <param name="niter_bjorck">Björck steps at most (≥ 1).</param>
        /// <param name="eps_bjorck">Stop once ‖ΔW‖_F &lt; eps; null always runs <paramref name="niter_bjorck"/> steps.</param>
        /// <param name="beta_bjorck">Björck step size β.</param>
        public BjorckOrthonormalization(int niter_bjorck = ConstraintDefaults.BjorckIterations, double? eps_bjorck = null, double beta_bjorck = ConstraintDefaults.BjorckBeta)
        {
            if (niter_bjorck < 1)
                throw new ArgumentOutOfRangeException(nameof(niter_bjorck), niter_bjorck,
                    "niter_bjorck must be >= 1: without Björck the power-iteration estimate alone cannot guarantee orthonormality. " +
                    "Use FrobeniusLinear for a normalization without orthogonalization.");
            if (eps_bjorck is double e) ArgumentChecks.PositiveFinite(e, nameof(eps_bjorck));
            ArgumentChecks.PositiveFinite(beta_bjorck, nameof(beta_bjorck));
            this.niter_bjorck = niter_bjorck;
            this.eps_bjorck = eps_bjorck;
            this.beta_bjorck = beta_bjorck;
        }

        /// <summary>Björck steps at most.</summary>
        public int niter_bjorck { get; }

        /// <summary>Early-stop threshold on ‖ΔW‖_F, or null for a fixed count.</summary>
        public double? eps_bjorck { get; }

        /// <summary>Björck step size β.</summary>
        public double beta_bjorck { get; }

        /// <inheritdoc/>
        public override ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context)
        {
            var w = weight.Value;
            var result = Bjorck.Orthonormalize(w, eps_bjorck, beta_bjorck, niter_bjorck).Weight;
            // A finite raw weight never makes the forward throw: should Björck overflow, the Frobenius normalization (a
            // contraction) stands in for it.
            if (!torch.isfinite(result.detach().sum()).item<bool>())
                return ConstrainedWeight.Formed(Frobenius.Normalize(w, disjoint: false).to_type(w.dtype), w.dtype, 1.0, ConstrainedWeight.BoundKind.Norm).Times(weight.Scale);
            return ConstrainedWeight.Formed(result, w.dtype).Times(weight.Scale);
        }

        /// <inheritdoc/>
        public override string ToString() =>
            FormattableString.Invariant($"Bjorck(niter_bjorck={niter_bjorck}, eps_bjorck={(eps_bjorck?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "None")}, beta_bjorck={beta_bjorck})");
    }
}
