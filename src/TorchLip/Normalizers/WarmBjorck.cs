using System;
using TorchLip.Constraints;
using TorchLip.Internal;
using TorchLip.Internal.Cpu;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Björck orthonormalization started from the previous call's result, in the m×m Gram space of the smaller side:
    /// the effective weight is F·W where F is refined from the previous preconditioner P by steps on the Gram matrix
    /// Q = P (W Wᵀ) Pᵀ, every step differentiable (exactly) in W; then certified in float64.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Between two optimizer steps W moves little, so the previous P nearly orthonormalizes the new W and usually one
    /// step suffices, instead of 15 from a power-iteration estimate. Far from convergence the steps are Björck's
    /// (step size β); once the residual is below 0.5 they are third-order (P ← (I + E/2 + 3E²/8)·P with E = I − Q,
    /// one <see cref="CubicStep"/> autograd node each). P carries history, like the power-iteration vectors do for the
    /// spectral estimate, and is saved with the layer's state; the limit is an orthonormal matrix.
    /// </para>
    /// <para>
    /// Every check is a rigorous certificate (<see cref="SpectralCertificate"/>): Q is computed in float64 from
    /// A = W Wᵀ in float64 and from the factor exactly as the forward applies it, rounding bounded. The steps run in
    /// the weight's precision. What comes out is one of three things, by <see cref="WarmBjorckPolicy"/>:
    /// the factors (F, W), certified σ_max ≤ 1 + 1e-5; the factors with an output scale from a tight bound of σ_max when
    /// the step budget ran out; or, when the weight's precision cannot represent F (an ill-conditioned or nearly
    /// rank-deficient W, where a float32 F·W loses the small singular directions), the same iteration in float64 and
    /// the weight formed once, certified and rescaled if needed. A finite W always gives a certified weight.
    /// </para>
    /// <para>
    /// On the CPU the steady state (a start inside the third-order region) runs as one autograd node with its
    /// element-wise work on host memory (<see cref="SteadyWarmStep"/>); same decisions, same results.
    /// </para>
    /// </remarks>
    internal static class WarmBjorck
    {
        /// <summary>Björck steps allowed when the weight's precision falls short and the iteration reruns in float64.</summary>
        internal const int FallbackIterations = 100;

        internal enum Exit { Converged, Stalled, Budget, NonFinite }

        /// <summary>
        /// Where an iteration stopped: <see cref="Factor"/> (with gradient), its detached copy as the next start, the
        /// certified residual bound of the last check on exactly that factor, and E = I − Q of that check (float64).
        /// </summary>
        internal sealed record Iteration(Tensor Factor, Tensor State, int Steps, double Residual, Exit Exit, Tensor Error);

        /// <summary>Runs the warm-started iteration and certifies its result against <paramref name="k"/>.</summary>
        /// <param name="w">Weight (out, ...), viewed as (out, −1).</param>
        /// <param name="preconditioner">P from the previous call, (m, m) with m = min(out, in) (the identity scaled by 1/σ for a cold start).</param>
        /// <param name="beta">Björck step size.</param>
        /// <param name="maxiter">Maximum Björck steps.</param>
        /// <param name="k">The Lipschitz constant the result is scaled to (applied exactly, as a float64 output scale or inside the formed weight).</param>
        /// <param name="who">Layer description for the error on a non-finite weight.</param>
        public static WarmBjorckResult Orthonormalize(Tensor w, Tensor preconditioner, double beta = 0.5, int maxiter = 15, double k = 1.0, string? who = null)
            => Orthonormalize(w, preconditioner, beta, maxiter, k, who, hostKernels: true);

        /// <summary><see cref="Orthonormalize(Tensor, Tensor, double, int, double, string?)"/>, with the CPU host kernels on or off (off: the general loop only).</summary>
        internal static WarmBjorckResult Orthonormalize(Tensor w, Tensor preconditioner, double beta, int maxiter, double k, object? who, bool hostKernels)
        {
            ArgumentChecks.PositiveFinite(k, nameof(k));
            using var scope = torch.NewDisposeScope();
            var (value, state, steps) = Run(w, preconditioner, beta, maxiter, who, hostKernels);
            var certified = value.Times(k).Certified(k);
            return new WarmBjorckResult(certified.MoveToOuterDisposeScope(scope), state.MoveToOuterDisposeScope(), steps);
        }

        /// <summary>
        /// The iteration and its certificate, before any scale: the weight (factored with a bound on σ_max of the exact
        /// product, or kept in float64 when the weight's precision falls short), the next start and the steps taken.
        /// Runs in the caller's dispose scope.
        /// </summary>
        internal static (ConstrainedWeight Weight, Tensor State, int Steps) Run(Tensor w, Tensor preconditioner, double beta, int maxiter, object? who, bool hostKernels)
        {
            ArgumentChecks.MinRank(w, 1, nameof(w), "WarmBjorck");
            ArgumentChecks.FloatingPoint(w, nameof(w), "WarmBjorck");
            long rows = w.size(0), cols = w.numel() / Math.Max(1, rows);
            var view = w.dim() == 2 ? w : w.reshape(rows, cols);
            bool tall = rows > cols;
            if (tall) view = view.t();
            long side = Math.Min(rows, cols);
            if (preconditioner.dim() != 2 || preconditioner.size(0) != side || preconditioner.size(1) != side)
                throw new ArgumentException($"WarmBjorck: the preconditioner must be ({side}, {side}), got {ArgumentChecks.Shape(preconditioner)}.", nameof(preconditioner));

            var start = preconditioner.detach().to_type(view.dtype).clone();   // updated in place after the forward: autograd must not see that
            var gram = SpectralCertificate.Gram64(view);
            if (gram is null)
            {
                if (!torch.isfinite(view.detach()).all().item<bool>()) throw ArgumentChecks.NotFinite(who?.ToString() ?? "WarmBjorck", "the raw weight");
                // Finite float64 entries whose squares overflow: a power of two rescales the view exactly.
                double top = view.detach().abs().max().to_type(ScalarType.Float64).item<double>();
                using var scale = Math.Pow(2, -Math.Ceiling(Math.Log2(top))).ToScalar();
                view = view.mul(scale);
                start = start.div_(scale);
                gram = SpectralCertificate.Gram64(view)!;
            }
            var (a64, frobenius) = gram.Value;
            var working = view.dtype == ScalarType.Float64 ? a64 : a64.to_type(view.dtype);
            var iteration = Iterate(view, start, working, a64, frobenius, beta, maxiter, hostKernels);
            return WarmBjorckPolicy.Certify(view, tall, TensorSizes.Of(w), iteration, a64, frobenius, beta, maxiter, hostKernels);
        }

        /// <summary>
        /// The iteration in the precision of <paramref name="m"/> from <paramref name="start"/>, stopping by
        /// <see cref="WarmBjorckPolicy.Stop"/>; every check certified in float64.
        /// </summary>
        /// <param name="m">The weight in its wide view (m ≤ n rows), possibly requiring gradient.</param>
        /// <param name="start">A private copy of the start (m's dtype, no gradient).</param>
        /// <param name="a">M·Mᵀ in m's dtype, without gradient (rounded from <paramref name="a64"/>).</param>
        /// <param name="a64">M·Mᵀ in float64.</param>
        /// <param name="frobenius">An upper bound on ‖M‖_F².</param>
        /// <param name="beta">Björck step size.</param>
        /// <param name="maxiter">Maximum Björck steps.</param>
        /// <param name="hostKernels">Whether the CPU steady path (<see cref="SteadyWarmStep"/>) may take the call.</param>
        internal static Iteration Iterate(Tensor m, Tensor start, Tensor a, Tensor a64, double frobenius, double beta, int maxiter, bool hostKernels)
        {
            double radius = Bjorck.ConvergenceRadius(beta);
            if (hostKernels && SteadyWarmStep.TryRun(m, start, a, a64, frobenius, maxiter, radius * radius - 1) is { } steady) return steady;

            var p = start;
            Tensor? differentiableA = null;   // only Björck steps far from convergence need A inside the graph
            int steps = 0;
            double previous = double.PositiveInfinity;
            bool rescaled = false;
            var (e64, residual) = FirstCheck(p, a, a64, frobenius, m.size(1), maxiter);
            while (true)
            {
                if (steps > 0 || rescaled) (e64, residual) = Check(p, a64, frobenius, m.size(1));
                if (!rescaled && double.IsFinite(residual) && residual > radius * radius - 1)
                {
                    rescaled = true;   // otherwise λ_max(Q) ≤ 1 + r is inside the region: no bound needed
                    double bound;
                    using (torch.no_grad()) bound = SpectralBound.LambdaMaxBound(torch.eye(e64.size(0), dtype: ScalarType.Float64, device: e64.device) - e64);
                    if (bound > radius * radius)
                    {
                        using var shrink = (radius / Math.Sqrt(bound)).ToScalar();
                        p = p.mul(shrink);
                        continue;
                    }
                }
                if (e64.dtype == ScalarType.Float64 && WarmBjorckPolicy.Stop(residual, previous, steps, maxiter) is { } exit)
                    return new Iteration(p, p.detach(), steps, residual, exit, e64);
                previous = residual;
                steps++;
                if (residual > WarmBjorckPolicy.CubicRegion)
                {
                    differentiableA ??= SymmetricGram.Of(m);
                    p = p.addmm(p.mm(differentiableA).mm(p.t()), p, beta: (float)(1 + beta), alpha: (float)-beta);   // P + β(I − Q)P in one kernel
                    continue;
                }
                Tensor e, e2;
                using (torch.no_grad())
                {
                    e = e64.to_type(m.dtype);
                    e2 = e.mm(e);
                }
                p = CubicStep.Apply(m, p, a, e, e2);
            }
        }

        /// <summary>
        /// The first check of a call: in float32 it only chooses the first step (half the cost of a float64 check), whose
        /// result is then checked and certified in float64; when it finds nothing to do (or something odd) the float64
        /// check certifies the start itself. <see cref="SteadyWarmStep"/> makes the same choice.
        /// </summary>
        private static (Tensor Error, double Residual) FirstCheck(Tensor p, Tensor a, Tensor a64, double frobenius, long n, int maxiter)
        {
            if (p.dtype == ScalarType.Float32 && maxiter >= 1)
            {
                Tensor e;
                double residual;
                using (torch.no_grad())
                {
                    e = torch.eye(p.size(0), dtype: p.dtype, device: p.device).sub_(p.mm(a).mm(p.t()));
                    residual = e.norm().item<float>();
                }
                if (residual > WarmBjorckPolicy.ConvergedResidual / 4 && residual <= WarmBjorckPolicy.CubicRegion) return (e, residual);
            }
            return Check(p, a64, frobenius, n);
        }

        /// <summary>E = I − P·A·Pᵀ in float64 and the certified bound on ‖P·M·Mᵀ·Pᵀ − I‖₂.</summary>
        private static (Tensor Error, double Residual) Check(Tensor p, Tensor a64, double frobenius, long n)
        {
            using var noGrad = torch.no_grad();
            var p64 = p.detach().to_type(ScalarType.Float64);
            long side = p64.size(0);
            var e = torch.eye(side, dtype: ScalarType.Float64, device: p64.device).sub_(p64.mm(a64).mm(p64.t()));
            double computed = e.norm().item<double>();
            double factor = p64.mul(p64).sum().item<double>() * (1 + SpectralCertificate.Gamma(side * side));
            return (e, SpectralCertificate.FactoredResidual(computed, factor, frobenius, side, n));
        }
    }
}
