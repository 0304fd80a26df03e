using System;
using TorchLip.Constraints;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// The one home of the warm start's decisions: when an iteration stops (<see cref="Stop"/>), which step it takes
    /// (<see cref="CubicRegion"/>), and what its result becomes (<see cref="Certify"/>). The general loop and the CPU
    /// steady path both follow it.
    /// </summary>
    internal static class WarmBjorckPolicy
    {
        /// <summary>Converged once the certified residual is at most this: every σ of the factors is within 5e-6 of 1.</summary>
        public const double ConvergedResidual = 1e-5;

        /// <summary>Third-order steps are taken once the residual is below 0.5, where they contract monotonically.</summary>
        public const double CubicRegion = 0.5;

        /// <summary>Whether the iteration stops after a check with certified residual <paramref name="residual"/>, and why.</summary>
        /// <param name="residual">This check's certified residual bound.</param>
        /// <param name="previous">The previous check's (+∞ before the first step).</param>
        /// <param name="steps">Steps taken so far.</param>
        /// <param name="maxiter">The step budget.</param>
        public static WarmBjorck.Exit? Stop(double residual, double previous, int steps, int maxiter)
        {
            if (!double.IsFinite(residual)) return WarmBjorck.Exit.NonFinite;
            if (residual <= ConvergedResidual) return WarmBjorck.Exit.Converged;
            // From a residual r ≤ 0.5 a third-order step gives at most 0.19·r in exact arithmetic: a step that does not
            // even halve it has hit the precision's noise floor.
            if (steps > 0 && previous <= CubicRegion && residual > 0.5 * previous) return WarmBjorck.Exit.Stalled;
            if (steps >= maxiter) return WarmBjorck.Exit.Budget;
            return null;
        }

        /// <summary>
        /// Turns an iteration into a weight with a certificate: the factors with the bound of their last check when it
        /// certifies them; with a tight σ_max bound when the step budget ran out (the final certificate then scales them
        /// down by it); otherwise (the working precision's noise floor, non-finite values) the iteration again in float64,
        /// whose factor is applied formed: rounded once, then certified as the tensor it is.
        /// </summary>
        public static (ConstrainedWeight Weight, Tensor State, int Steps) Certify(Tensor view, bool tall, long[] shape, WarmBjorck.Iteration it,
            Tensor a64, double frobenius, double beta, int maxiter, bool hostKernels)
        {
            long side = view.size(0), n = view.size(1);
            if (it.Exit != WarmBjorck.Exit.NonFinite && it.Residual <= SpectralCertificate.ToleranceResidual)
                return (ConstrainedWeight.Factored(view, it.Factor, tall, shape, view.dtype, SpectralCertificate.Sigma(it.Residual)), it.State, it.Steps);
            if (it.Exit == WarmBjorck.Exit.Budget)
            {
                // The caller's budget: keep the factors; the certificate scales them down by what it can prove.
                double sigma = Math.Min(SpectralCertificate.Sigma(it.Residual), TightSigma(it, frobenius, side, n));
                return (ConstrainedWeight.Factored(view, it.Factor, tall, shape, view.dtype, sigma), it.State, it.Steps);
            }

            var view64 = view.dtype == ScalarType.Float64 ? view : view.to_type(ScalarType.Float64);
            var fine = it;
            if (view.dtype != ScalarType.Float64 || it.Exit == WarmBjorck.Exit.NonFinite)
            {
                int budget = Math.Max(maxiter, WarmBjorck.FallbackIterations);
                var start = it.Exit != WarmBjorck.Exit.NonFinite && view.dtype != ScalarType.Float64 ? it.State.to_type(ScalarType.Float64) : Fresh(a64);
                fine = WarmBjorck.Iterate(view64, start, a64, a64, frobenius, beta, budget, hostKernels);
                if (fine.Exit == WarmBjorck.Exit.NonFinite)
                    fine = WarmBjorck.Iterate(view64, Fresh(a64), a64, a64, frobenius, beta, budget, hostKernels);
            }
            int steps = it.Steps + (ReferenceEquals(fine, it) ? 0 : fine.Steps);
            Tensor state;
            if (fine.Exit == WarmBjorck.Exit.NonFinite)
            {
                // Not seen for a finite weight; still never an exception: the Frobenius normalization is a contraction.
                using (torch.no_grad()) state = Fresh(a64).to_type(view.dtype);
                var normalized = view64.div(view64.norm().clamp_min(ScalarCache.Of(1e-300)));
                return (ConstrainedWeight.Formed((tall ? normalized.t() : normalized).reshape(shape), view.dtype, 1.0, ConstrainedWeight.BoundKind.Norm), state, steps);
            }
            using (torch.no_grad()) state = fine.State.to_type(view.dtype);
            // The float64 factor is applied formed: rounded to the weight's dtype once, then certified as such.
            double bound = fine.Residual <= SpectralCertificate.ToleranceResidual ? SpectralCertificate.Sigma(fine.Residual) : double.PositiveInfinity;
            return (ConstrainedWeight.Factored(view64, fine.Factor, tall, shape, view.dtype, bound, applyFactors: false), state, steps);
        }

        /// <summary>A cold start: I/σ̄ with σ̄ a guaranteed upper bound on σ_max (inside Björck's region whatever the weight).</summary>
        public static Tensor Fresh(Tensor a64)
        {
            double bound = SpectralBound.LambdaMaxBound(a64);
            using var scale = (bound > 0 && double.IsFinite(bound) ? 1 / Math.Sqrt(bound) : 1.0).ToScalar();
            return torch.eye(a64.size(0), dtype: ScalarType.Float64, device: a64.device).mul_(scale);
        }

        // The tight bound on σ_max(F·M) from Q = I − E of the last check, with the check's rounding.
        private static double TightSigma(WarmBjorck.Iteration it, double frobenius, long side, long n)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var q = torch.eye(side, dtype: ScalarType.Float64, device: it.Error.device) - it.Error;
            var state64 = it.State.to_type(ScalarType.Float64);
            double factor = state64.mul(state64).sum().item<double>() * (1 + SpectralCertificate.Gamma(side * side));
            double rounding = SpectralCertificate.FactoredResidual(0, factor, frobenius, side, n);
            return SpectralCertificate.TightSigma(q, rounding);
        }
    }
}
