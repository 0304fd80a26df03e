using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Normalizers;

namespace TorchLip.Internal.Cpu
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
        /// <summary>What the backward needs: per step k, P_k, E_k = I − P_k·A·P_kᵀ and T_k = E_k/2 + 3E_k²/8.</summary>
        /// <remarks>Passed as one non-tensor argument, so that autograd tracks M only; the tensors are saved through the context.</remarks>
        private sealed record Chain(Tensor A, List<(Tensor P, Tensor E, Tensor T)> Steps);

        /// <summary>
        /// The steady-state iteration for the weight view <paramref name="m"/> (side×other, side ≤ other), or null when
        /// it needs the general loop (a start outside the third-order region, non-finite values, another device or dtype).
        /// The factor carries M's gradient when one is needed; the state never does.
        /// </summary>
        /// <param name="m">The weight in its wide view.</param>
        /// <param name="p">A private copy of the previous preconditioner (saved for the backward as is).</param>
        /// <param name="a">M·Mᵀ in m's dtype, without gradient.</param>
        /// <param name="a64">M·Mᵀ in float64: every check is certified from it.</param>
        /// <param name="frobenius">An upper bound on ‖M‖_F².</param>
        /// <param name="maxiter">The step budget.</param>
        /// <param name="rescaleResidual">Residual above which the general loop first bounds λ_max (ConvergenceRadius² − 1).</param>
        public static WarmBjorck.Iteration? TryRun(Tensor m, Tensor p, Tensor a, Tensor a64, double frobenius, int maxiter, double rescaleResidual)
        {
            if (!HostMatrix.Supports(m) || p.dtype != m.dtype || !HostMatrix.Supports(p) || a64.device_type != DeviceType.CPU) return null;
            return m.dtype == ScalarType.Float32
                ? TryRun<float>(m, p, a, a64, frobenius, maxiter, rescaleResidual)
                : TryRun<double>(m, p, a, a64, frobenius, maxiter, rescaleResidual);
        }

        private static WarmBjorck.Iteration? TryRun<T>(Tensor m, Tensor p, Tensor a, Tensor a64, double frobenius, int maxiter, double rescaleResidual)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // Every tensor below derives from P and A, which carry no gradient; only the returned factor records M.
            bool recordGradient = m.requires_grad && torch.is_grad_enabled();
            int n = (int)a.size(0);
            long length = m.size(1);
            double region = Math.Min(WarmBjorckPolicy.CubicRegion, rescaleResidual);
            var steps = new List<(Tensor P, Tensor E, Tensor T)>();
            Tensor e64, e;
            double residual;
            if (typeof(T) == typeof(float))
            {
                // The first check only chooses the first step (or that none is needed): in float32 it costs half, and
                // the step's result is then checked, and certified, in float64 like every later one.
                e = p.mm(a).mm(p.t());
                residual = HostMatrix.IdentityMinus(HostMatrix.Values<T>(e), n);
                if (maxiter < 1 || residual <= WarmBjorckPolicy.ConvergedResidual / 4 || !double.IsFinite(residual) || residual > region)
                    e64 = Check<T>(p, a64, n, length, frobenius, out residual);
                else
                    e64 = e;
            }
            else e64 = Check<T>(p, a64, n, length, frobenius, out residual);
            double previous = double.PositiveInfinity;
            WarmBjorck.Exit exit;
            // The general loop's decisions, for a trajectory made of third-order steps only.
            while (true)
            {
                if (!double.IsFinite(residual) || residual > region) return null;
                bool certified = e64.dtype == ScalarType.Float64;
                if (certified && WarmBjorckPolicy.Stop(residual, previous, steps.Count, maxiter) is { } stop)
                {
                    exit = stop;
                    break;
                }
                previous = residual;
                e = e64.dtype == m.dtype ? e64 : e64.to_type(m.dtype);
                var t = e.mm(e);
                HostMatrix.Combine(HostMatrix.Values<T>(t), T.CreateTruncating(0.375), HostMatrix.Values<T>(e), T.CreateTruncating(0.5));
                steps.Add((p, e, t));
                p = p.addmm(t, p);   // (I + E/2 + 3E²/8)·P
                e64 = Check<T>(p, a64, n, length, frobenius, out residual);
            }
            var factor = recordGradient && steps.Count > 0 ? apply(m, p, new Chain(a, steps)) : p;
            return new WarmBjorck.Iteration(factor, p.detach(), steps.Count, residual, exit, e64);
        }

        /// <summary>E = I − P·A·Pᵀ in float64, formed in place of the product, and its certified residual bound.</summary>
        private static Tensor Check<T>(Tensor p, Tensor a64, int n, long length, double frobenius, out double residual)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p64 = typeof(T) == typeof(double) ? p : p.to_type(ScalarType.Float64);
            var e = p64.mm(a64).mm(p64.t());
            double computed = HostMatrix.IdentityMinus(HostMatrix.Values<double>(e), n);
            double factor = HostMatrix.SquaredNorm(HostMatrix.Values<T>(p)) * (1 + SpectralCertificate.Gamma((double)n * n));
            residual = SpectralCertificate.FactoredResidual(computed, factor, frobenius, n, length);
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
            return p.clone();
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            Tensor m = saved[0], a = saved[1];
            var steps = Enumerable.Range(0, (saved.Count - 2) / 3).Select(k => (P: saved[2 + 3 * k], E: saved[3 + 3 * k], T: saved[4 + 3 * k])).ToList();
            var gradient = m.dtype == ScalarType.Float32
                ? Backward<float>(grad_output, m, a, steps)
                : Backward<double>(grad_output, m, a, steps);
            return new List<Tensor> { gradient, null!, null! };
        }

        /// <summary>
        /// ∂L/∂M through the chain P_(k+1) = (I + T_k)·P_k, from the last step back (see <see cref="CubicStep"/>): with G the
        /// gradient of P_(k+1), S = G·P_kᵀ + (G·P_kᵀ)ᵀ and D = −(S/2 + 3(S·E_k + (S·E_k)ᵀ)/8) (= ∂Q + ∂Qᵀ), step k adds
        /// P_kᵀ·D·P_k·M to ∂M and passes (I + T_k)·G + D·P_k·A on to step k − 1.
        /// </summary>
        private static Tensor Backward<T>(Tensor grad, Tensor m, Tensor a, List<(Tensor P, Tensor E, Tensor T)> steps)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = (int)a.size(0);
            var g = grad;
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
