using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// <see cref="WarmBjorck"/>'s steady state on the CPU, what training runs on nearly every forward: from a start
    /// inside the third-order region, the checks, third-order steps and certificate, recorded as one autograd node from M.
    /// </summary>
    /// <remarks>
    /// The same formulas, decisions and certificate as the general loop with <see cref="CubicStep"/> (which handles
    /// every case this one declines: a start far from convergence, non-finite values, other devices). The products
    /// stay libtorch's; the element-wise work between them (I − Q and its norm, E/2 + 3E²/8, the symmetric parts of
    /// the backward) runs in place on host memory (<see cref="HostMatrix"/>), which removes about fifteen libtorch
    /// operations per layer and step, some of them strided walks over a transposed operand, and the backward of a
    /// chain of steps is written out once instead of recorded step by step.
    /// </remarks>
    internal sealed class SteadyWarmStep : torch.autograd.SingleTensorFunction<SteadyWarmStep>
    {
        /// <summary>Off only in tests and benchmarks that compare this path with the general one.</summary>
        internal static bool Enabled { get; set; } = true;

        /// <summary>What the backward needs: per step k, P_k, E_k = I − P_k·A·P_kᵀ and T_k = E_k/2 + 3E_k²/8.</summary>
        /// <remarks>Passed as one non-tensor argument, so that autograd tracks M only; the tensors are saved through the context.</remarks>
        private sealed record Chain(Tensor A, List<(Tensor P, Tensor E, Tensor T)> Steps, double Scale);

        /// <summary>
        /// The steady-state iteration for the weight view <paramref name="m"/> (side×other, side ≤ other), or null when
        /// it needs the general loop. The factor carries M's gradient when one is needed; the preconditioner never does.
        /// </summary>
        /// <param name="m">The weight in its wide view.</param>
        /// <param name="p">A private copy of the previous preconditioner (saved for the backward as is).</param>
        /// <param name="a">M·Mᵀ, without gradient.</param>
        /// <param name="maxiter">The step budget.</param>
        /// <param name="rescaleResidual">Residual above which the general loop first bounds λ_max (ConvergenceRadius² − 1).</param>
        public static (Tensor Factor, Tensor Preconditioner, int Iterations, double Residual)? TryRun(Tensor m, Tensor p, Tensor a, int maxiter, double rescaleResidual)
        {
            if (!Enabled || !HostMatrix.Supports(m) || p.dtype != m.dtype || !HostMatrix.Supports(p)) return null;
            return m.dtype == ScalarType.Float32
                ? TryRun<float>(m, p, a, maxiter, rescaleResidual)
                : TryRun<double>(m, p, a, maxiter, rescaleResidual);
        }

        private static (Tensor, Tensor, int, double)? TryRun<T>(Tensor m, Tensor p, Tensor a, int maxiter, double rescaleResidual)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Every tensor below derives from P and A, which carry no gradient; only the returned factor records M.
            bool recordGradient = m.requires_grad && torch.is_grad_enabled();
            int n = (int)a.size(0);
            double region = Math.Min(WarmBjorck.CubicRegion, rescaleResidual);
            var steps = new List<(Tensor P, Tensor E, Tensor T)>();
            var e = Check<T>(p, a, n, out double residual);
            double previous = double.PositiveInfinity;
            // The general loop's decisions, for a trajectory made of third-order steps only.
            while (true)
            {
                if (!double.IsFinite(residual) || residual > region) return null;
                bool stalled = steps.Count > 0 && residual < 1e-3 && residual > 0.5 * previous;
                if (residual <= WarmBjorck.ConvergedResidual || steps.Count >= maxiter || stalled) break;
                previous = residual;

                var t = e.mm(e);
                // ‖E³‖_F ≤ ‖E²‖_F^(3/2) usually suffices; the exact ‖E³‖_F costs one more product.
                double bound = WarmBjorck.CubicStepResidualBound(Math.Pow(HostMatrix.FrobeniusNorm<T>(HostMatrix.Values<T>(t)), 1.5));
                if (!(bound <= WarmBjorck.ConvergedResidual))
                    bound = WarmBjorck.CubicStepResidualBound(HostMatrix.FrobeniusNorm<T>(HostMatrix.Values<T>(t.mm(e))));
                HostMatrix.Combine(HostMatrix.Values<T>(t), T.CreateTruncating(0.375), HostMatrix.Values<T>(e), T.CreateTruncating(0.5));
                steps.Add((p, e, t));
                p = p.addmm(t, p);   // (I + E/2 + 3E²/8)·P
                if (bound <= WarmBjorck.ConvergedResidual)
                {
                    residual = bound;   // certified without forming the next Q
                    break;
                }
                e = Check<T>(p, a, n, out residual);
            }

            double scale = residual > ContractionGuard.Tolerance ? 1.0 / Math.Sqrt(1.0 + residual) : 1.0;
            Tensor factor;
            if (recordGradient && steps.Count > 0) factor = apply(m, p, new Chain(a, steps, scale));
            else if (scale == 1.0) factor = p;
            else
            {
                using var s = scale.ToScalar();
                factor = p.mul(s);
            }
            return (factor, p.detach(), steps.Count, residual);
        }

        /// <summary>E = I − P·A·Pᵀ, formed in place of the product, and its norm.</summary>
        private static Tensor Check<T>(Tensor p, Tensor a, int n, out double residual) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var e = p.mm(a).mm(p.t());
            residual = HostMatrix.IdentityMinus(HostMatrix.Values<T>(e), n);
            return e;
        }

        public override string Name => nameof(SteadyWarmStep);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var m = (Tensor)vars[0];
            var p = (Tensor)vars[1];
            var chain = (Chain)vars[2];
            var saved = new List<Tensor> { m, chain.A };
            foreach (var step in chain.Steps) saved.AddRange(new[] { step.P, step.E, step.T });
            ctx.save_for_backward(saved);
            ctx.save_data("scale", chain.Scale);
            using var s = chain.Scale.ToScalar();
            return p.mul(s);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            Tensor m = saved[0], a = saved[1];
            var steps = Enumerable.Range(0, (saved.Count - 2) / 3).Select(k => (P: saved[2 + 3 * k], E: saved[3 + 3 * k], T: saved[4 + 3 * k])).ToList();
            double scale = (double)ctx.get_data("scale");
            var gradient = m.dtype == ScalarType.Float32
                ? Backward<float>(grad_output, m, a, steps, scale)
                : Backward<double>(grad_output, m, a, steps, scale);
            return new List<Tensor> { gradient, null!, null! };
        }

        /// <summary>
        /// ∂L/∂M through the chain P_(k+1) = (I + T_k)·P_k, from the last step back (see <see cref="CubicStep"/>): with G the
        /// gradient of P_(k+1), S = G·P_kᵀ + (G·P_kᵀ)ᵀ and D = −(S/2 + 3(S·E_k + (S·E_k)ᵀ)/8) (= ∂Q + ∂Qᵀ), step k adds
        /// P_kᵀ·D·P_k·M to ∂M and passes (I + T_k)·G + D·P_k·A on to step k − 1. The certificate's factor s scales G first.
        /// </summary>
        private static Tensor Backward<T>(Tensor grad, Tensor m, Tensor a, List<(Tensor P, Tensor E, Tensor T)> steps, double scale)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = (int)a.size(0);
            var g = grad;
            if (scale != 1.0)
            {
                using var s = scale.ToScalar();
                g = grad.mul(s);
            }
            Tensor? k = null;
            for (int i = steps.Count - 1; i >= 0; i--)
            {
                var (p, e, t) = steps[i];
                var dT = g.mm(p.t());
                var sym = torch.empty_like(dT);
                HostMatrix.SymmetricPart(HostMatrix.Values<T>(dT), T.One, ReadOnlySpan<T>.Empty, T.Zero, HostMatrix.Values<T>(sym), n);
                var se = sym.mm(e);
                var d = dT;   // ∂T is no longer needed: its storage takes D
                HostMatrix.SymmetricPart(HostMatrix.Values<T>(se), T.CreateTruncating(-0.375), HostMatrix.Values<T>(sym), T.CreateTruncating(-0.5), HostMatrix.Values<T>(d), n);
                var dp = d.mm(p);
                k = k is null ? p.t().mm(dp) : k.addmm_(p.t(), dp);
                if (i > 0) g = g.addmm(t, g).addmm_(dp, a);
            }
            return k!.mm(m);
        }
    }
}
