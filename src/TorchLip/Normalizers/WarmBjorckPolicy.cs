using System;
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
        /// Turns an iteration into a certified result: the factors as they are when certified; the factors with an output
        /// scale from a tight σ_max bound when the step budget ran out; otherwise (the working precision's noise floor,
        /// non-finite values) the iteration again in float64 and the weight formed and certified.
        /// </summary>
        public static WarmBjorckResult Certify(Tensor view, bool tall, Tensor source, WarmBjorck.Iteration it,
            Tensor a64, double frobenius, double beta, int maxiter, double k)
        {
            var shape = Sizes.Of(source);
            long side = view.size(0), n = view.size(1);
            if (it.Exit != WarmBjorck.Exit.NonFinite && it.Residual <= SpectralCertificate.ToleranceResidual)
                return WarmBjorckResult.Factored(view, tall, shape, it.Factor, k, k, it.State, it.Steps, k * SpectralCertificate.Sigma(it.Residual));
            if (it.Exit == WarmBjorck.Exit.Budget)
            {
                // The caller's budget: keep the factors, scaled down by what the certificate can prove.
                double sigma = Math.Min(SpectralCertificate.Sigma(it.Residual), TightSigma(it, a64, frobenius, side, n));
                double scale = sigma > 1 ? k / sigma : k;
                return WarmBjorckResult.Factored(view, tall, shape, it.Factor, scale, k, it.State, it.Steps, scale * sigma);
            }

            var view64 = view.dtype == ScalarType.Float64 ? view : view.to_type(ScalarType.Float64);
            var fine = it;
            if (view.dtype != ScalarType.Float64 || it.Exit == WarmBjorck.Exit.NonFinite)
            {
                var start = it.Exit != WarmBjorck.Exit.NonFinite && view.dtype != ScalarType.Float64 ? it.State.to_type(ScalarType.Float64) : Fresh(a64);
                fine = WarmBjorck.Iterate(view64, start, a64, a64, frobenius, beta, Math.Max(maxiter, WarmBjorck.FallbackIterations));
                if (fine.Exit == WarmBjorck.Exit.NonFinite)
                    fine = WarmBjorck.Iterate(view64, Fresh(a64), a64, a64, frobenius, beta, Math.Max(maxiter, WarmBjorck.FallbackIterations));
            }
            int steps = it.Steps + (ReferenceEquals(fine, it) ? 0 : fine.Steps);
            Tensor formed, state;
            if (fine.Exit == WarmBjorck.Exit.NonFinite)
            {
                // Not seen for a finite weight; still never an exception: the Frobenius normalization is a contraction.
                using (torch.no_grad()) state = Fresh(a64).to_type(view.dtype);
                formed = Shape(view64.div(view64.norm().clamp_min(1e-300)), tall, shape);
            }
            else
            {
                using (torch.no_grad()) state = fine.State.to_type(view.dtype);
                formed = Shape(fine.Factor.mm(view64), tall, shape);
            }
            using var kScalar = k.ToScalar();
            var weight = formed.mul(kScalar).to_type(view.dtype);
            var certified = ContractionGuard.TryEnforce(weight, k, out double bound)
                ?? throw new InvalidOperationException("WarmBjorck: the formed weight is not finite although the raw weight is; please report this.");
            return WarmBjorckResult.Formed(certified, k, state, steps, k * bound);
        }

        /// <summary>A cold start: I/σ̄ with σ̄ a guaranteed upper bound on σ_max (inside Björck's region whatever the weight).</summary>
        public static Tensor Fresh(Tensor a64)
        {
            double bound = SpectralBound.LambdaMaxBound(a64);
            double scale = bound > 0 && double.IsFinite(bound) ? 1 / Math.Sqrt(bound) : 1.0;
            return torch.eye(a64.size(0), dtype: ScalarType.Float64, device: a64.device).mul_(scale);
        }

        private static Tensor Shape(Tensor wide, bool tall, long[] shape) => (tall ? wide.t() : wide).reshape(shape);

        // The tight bound on σ_max(F·M) from Q = I − E of the last check, with the check's rounding.
        private static double TightSigma(WarmBjorck.Iteration it, Tensor a64, double frobenius, long side, long n)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var q = torch.eye(side, dtype: ScalarType.Float64, device: it.Error.device) - it.Error;
            double factor = it.State.to_type(ScalarType.Float64).square().sum().item<double>() * (1 + SpectralCertificate.Gamma(side * side));
            double rounding = SpectralCertificate.FactoredResidual(0, factor, frobenius, side, n);
            return SpectralCertificate.TightSigma(q, rounding);
        }
    }
}
