using System;
using System.Collections.Generic;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// <see cref="WarmBjorck"/>'s steady state on the CPU, what training runs on nearly every forward: the check of the
    /// previous preconditioner, at most one third-order step and its certificate, recorded as one autograd node from M.
    /// </summary>
    /// <remarks>
    /// The same formulas, decisions and certificate as the general loop and <see cref="CubicStep"/> (which handle
    /// every case this one declines: far from convergence, several steps, non-finite values, other devices). The
    /// products stay libtorch's; the element-wise work between them (I − Q and its norm, E/2 + 3E²/8, the symmetric
    /// parts of the backward) runs in place on host memory (<see cref="HostMatrix"/>), which removes about fifteen
    /// libtorch operations per layer and step, some of them strided walks over a transposed operand.
    /// </remarks>
    internal sealed class SteadyWarmStep : torch.autograd.SingleTensorFunction<SteadyWarmStep>
    {
        /// <summary>Off only in tests and benchmarks that compare this path with the general one.</summary>
        internal static bool Enabled { get; set; } = true;

        // Passed as one non-tensor argument, so that autograd tracks M only; P and E are saved through the context.
        private sealed record Saved(Tensor P, Tensor E, double Scale);

        /// <summary>
        /// The steady-state pass for the weight view <paramref name="m"/> (side×other, side ≤ other), or null when it
        /// needs the general loop. The factor carries M's gradient when one is needed; the preconditioner never does.
        /// </summary>
        /// <param name="m">The weight in its wide view.</param>
        /// <param name="p">A private copy of the previous preconditioner (saved for the backward as is).</param>
        /// <param name="a">M·Mᵀ, without gradient.</param>
        /// <param name="maxiter">The step budget.</param>
        /// <param name="rescaleResidual">Residual above which the general loop first bounds λ_max (ConvergenceRadius² − 1).</param>
        public static (Tensor Factor, Tensor Preconditioner, int Iterations, double Residual)? TryRun(Tensor m, Tensor p, Tensor a, int maxiter, double rescaleResidual)
        {
            if (!Enabled || maxiter < 1 || !HostMatrix.Supports(m) || p.dtype != m.dtype || !HostMatrix.Supports(p)) return null;
            return m.dtype == ScalarType.Float32
                ? TryRun<float>(m, p, a, maxiter, rescaleResidual)
                : TryRun<double>(m, p, a, maxiter, rescaleResidual);
        }

        private static (Tensor, Tensor, int, double)? TryRun<T>(Tensor m, Tensor p, Tensor a, int maxiter, double rescaleResidual)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Every tensor below is derived from P and A, which carry no gradient; only the returned factor records M.
            bool recordGradient = m.requires_grad && torch.is_grad_enabled();
            int n = (int)a.shape[0];
            var e = p.mm(a).mm(p.t());
            double residual = HostMatrix.IdentityMinus(HostMatrix.Values<T>(e), n);
            if (!double.IsFinite(residual) || residual > Math.Min(WarmBjorck.CubicRegion, rescaleResidual)) return null;
            if (residual <= WarmBjorck.ConvergedResidual) return (p, p.detach(), 0, residual);

            var t = e.mm(e);
            // ‖E³‖_F ≤ ‖E²‖_F^(3/2) usually suffices; the exact ‖E³‖_F costs one more product.
            double bound = WarmBjorck.CubicStepResidualBound(Math.Pow(HostMatrix.FrobeniusNorm<T>(HostMatrix.Values<T>(t)), 1.5));
            if (!(bound <= WarmBjorck.ConvergedResidual))
                bound = WarmBjorck.CubicStepResidualBound(HostMatrix.FrobeniusNorm<T>(HostMatrix.Values<T>(t.mm(e))));
            HostMatrix.Combine(HostMatrix.Values<T>(t), T.CreateTruncating(0.375), HostMatrix.Values<T>(e), T.CreateTruncating(0.5));
            var f = p.addmm(t, p);   // (I + E/2 + 3E²/8)·P

            if (bound <= WarmBjorck.ConvergedResidual) residual = bound;   // certified without forming the next Q
            else
            {
                // The general loop's next check, and its exit conditions after one step.
                double previous = residual;
                residual = HostMatrix.IdentityMinus(HostMatrix.Values<T>(f.mm(a).mm(f.t())), n);
                bool stalled = residual < 1e-3 && residual > 0.5 * previous;
                if (!double.IsFinite(residual) || !(residual <= WarmBjorck.ConvergedResidual || maxiter <= 1 || stalled)) return null;
            }
            double scale = residual > ContractionGuard.Tolerance ? 1.0 / Math.Sqrt(1.0 + residual) : 1.0;
            Tensor factor;
            if (recordGradient) factor = apply(m, f, new Saved(p, e, scale));
            else if (scale == 1.0) factor = f;
            else
            {
                using var s = scale.ToScalar();
                factor = f.mul(s);
            }
            return (factor, f, 1, residual);
        }

        public override string Name => nameof(SteadyWarmStep);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var m = (Tensor)vars[0];
            var f = (Tensor)vars[1];
            var saved = (Saved)vars[2];
            ctx.save_for_backward(new List<Tensor> { m, saved.P, saved.E });
            ctx.save_data("scale", saved.Scale);
            using var s = saved.Scale.ToScalar();
            return f.mul(s);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var tensors = ctx.get_saved_variables();
            var saved = new Saved(tensors[1], tensors[2], (double)ctx.get_data("scale"));
            var m = tensors[0];
            var dM = m.dtype == ScalarType.Float32 ? Backward<float>(grad_output, m, saved) : Backward<double>(grad_output, m, saved);
            return new List<Tensor> { dM, null!, null! };
        }

        /// <summary>
        /// ∂L/∂M for an upstream gradient G of the scaled factor s·(I + T)·P, P constant (see <see cref="CubicStep"/>):
        /// S = s·(G·Pᵀ + (G·Pᵀ)ᵀ); ∂Q + ∂Qᵀ = −(S/2 + 3(S·E + (S·E)ᵀ)/8); ∂M = Pᵀ·(∂Q + ∂Qᵀ)·P·M.
        /// </summary>
        private static Tensor Backward<T>(Tensor grad, Tensor m, Saved saved) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p = saved.P;
            int n = (int)p.shape[0];
            var dT = grad.mm(p.t());
            var s = torch.empty_like(dT);
            HostMatrix.SymmetricPart(HostMatrix.Values<T>(dT), T.CreateTruncating(saved.Scale), ReadOnlySpan<T>.Empty, T.Zero, HostMatrix.Values<T>(s), n);
            var se = s.mm(saved.E);
            var dQ = dT;   // ∂T is no longer needed: its storage takes ∂Q + ∂Qᵀ
            HostMatrix.SymmetricPart(HostMatrix.Values<T>(se), T.CreateTruncating(-0.375), HostMatrix.Values<T>(s), T.CreateTruncating(-0.5), HostMatrix.Values<T>(dQ), n);
            return p.t().mm(dQ).mm(p).mm(m);
        }
    }
}
