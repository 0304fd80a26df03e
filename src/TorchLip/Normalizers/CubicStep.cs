using System.Collections.Generic;
using TorchSharp;
using TorchLip.Internal;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// One third-order Björck step as a single autograd node: P' = (I + E/2 + 3E²/8)·P with E = I − P·M·Mᵀ·Pᵀ,
    /// differentiable in M and, when it carries a gradient (an earlier step), in P. E is computed by the caller, who
    /// needs it to decide on the step; the backward is written out, a third of the operations autograd would record for
    /// the same formula. The general loop uses it (other devices, a start that first needs Björck steps); on the CPU the
    /// steady state runs the same formulas through <see cref="Internal.Cpu.SteadyWarmStep"/>.
    /// </summary>
    /// <remarks>
    /// Backward, for an upstream gradient G of P' (E, A = M·Mᵀ and T = E/2 + 3E²/8 are symmetric):
    /// ∂T = G·Pᵀ; ∂E = ∂T/2 + 3(∂T·E + E·∂T)/8; ∂Q = −∂E; ∂A = Pᵀ·∂Q·P; ∂M = (∂A + ∂Aᵀ)·M;
    /// ∂P = (I + T)·G + (∂Q + ∂Qᵀ)·P·A. Only the symmetric part of ∂Q is needed: with S = ∂T + ∂Tᵀ,
    /// ∂Q + ∂Qᵀ = −(S/2 + 3(S·E + E·S)/8) and E·S = (S·E)ᵀ, so one product gives both terms.
    /// </remarks>
    internal sealed class CubicStep : torch.autograd.SingleTensorFunction<CubicStep>
    {
        // Passed as one non-tensor argument: autograd then tracks M and P only.
        private sealed record Operands(Tensor A, Tensor E, Tensor E2);

        private static readonly Scalar Half = 0.5.ToScalar();
        private static readonly Scalar ThreeEighths = 0.375.ToScalar();

        /// <summary>P' = (I + E/2 + 3E²/8)·P, with gradients for <paramref name="m"/> and <paramref name="p"/> where they require them.</summary>
        /// <param name="m">The weight in its wide view (m ≤ n rows).</param>
        /// <param name="p">The preconditioner to step from; not modified afterwards (it is saved for the backward).</param>
        /// <param name="a">M·Mᵀ, without gradient.</param>
        /// <param name="e">I − P·A·Pᵀ, without gradient.</param>
        /// <param name="e2">E·E, without gradient.</param>
        public static Tensor Apply(Tensor m, Tensor p, Tensor a, Tensor e, Tensor e2) =>
            (m.requires_grad || p.requires_grad) && torch.is_grad_enabled()
                ? apply(m, p, new Operands(a, e, e2))
                : Step(p.detach(), e, e2);

        private static Tensor Step(Tensor p, Tensor e, Tensor e2) => p.addmm(e2.mul(ThreeEighths).add_(e, Half), p);

        public override string Name => nameof(CubicStep);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var m = (Tensor)vars[0];
            var p = (Tensor)vars[1];
            var operands = (Operands)vars[2];
            ctx.save_for_backward(new List<Tensor> { m, p, operands.A, operands.E, operands.E2 });
            ctx.save_data("p_requires_grad", p.requires_grad);
            return Step(p, operands.E, operands.E2);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            Tensor m = saved[0], p = saved[1], a = saved[2], e = saved[3], e2 = saved[4];
            var dT = grad_output.mm(p.t());
            var s = dT.add(dT.t(), ScalarCache.Of(1.0));
            var se = s.mm(e);
            var dQs = se.add(se.t(), ScalarCache.Of(1.0)).mul_(ThreeEighths).add_(s, Half).neg_();   // ∂Q + ∂Qᵀ
            var dM = p.t().mm(dQs).mm(p).mm(m);
            if (!(bool)ctx.get_data("p_requires_grad")) return new List<Tensor> { dM, null!, null! };
            var t = e2.mul(ThreeEighths).add_(e, Half);
            var dP = grad_output.addmm(t, grad_output).addmm(dQs.mm(p), a);
            return new List<Tensor> { dM, dP, null! };
        }
    }
}
