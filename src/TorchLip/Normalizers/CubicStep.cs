using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// One third-order Björck step as a single autograd node: P' = (I + E/2 + 3E²/8)·P with E = I − P·A·Pᵀ, where
    /// A = M·Mᵀ is the weight's Gram matrix; differentiable in A and, when it carries a gradient (an earlier step), in P.
    /// E is computed by the caller, who needs it to decide on the step; the backward is written out, a third of the
    /// operations autograd would record for the same formula (this step is what steady-state training runs on every
    /// forward). The gradient stops at A: however many steps use it, the single product of the weight's size that takes
    /// it on to M is paid once, by <see cref="SymmetricGram"/>.
    /// </summary>
    /// <remarks>
    /// Backward, for an upstream gradient G of P' (E, A and T = E/2 + 3E²/8 are symmetric):
    /// ∂T = G·Pᵀ; ∂E = ∂T/2 + 3(∂T·E + E·∂T)/8; ∂Q = −∂E; ∂A = Pᵀ·∂Q·P; ∂P = (I + T)·G + (∂Q + ∂Qᵀ)·P·A.
    /// A is symmetric, so its symmetric part ½Pᵀ(∂Q + ∂Qᵀ)P is passed on (the Gram's backward symmetrizes anyway).
    /// With S = ∂T + ∂Tᵀ, ∂Q + ∂Qᵀ = −(S/2 + 3(S·E + E·S)/8) and E·S = (S·E)ᵀ, so one product gives both terms.
    /// </remarks>
    internal sealed class CubicStep : torch.autograd.SingleTensorFunction<CubicStep>
    {
        // Passed as one non-tensor argument: autograd then tracks A and P only.
        private sealed record Operands(Tensor E, Tensor E2);

        private static readonly Scalar Half = 0.5.ToScalar();
        private static readonly Scalar ThreeEighths = 0.375.ToScalar();

        /// <summary>P' = (I + E/2 + 3E²/8)·P, with gradients for <paramref name="a"/> and <paramref name="p"/> where they require them.</summary>
        /// <param name="a">M·Mᵀ for the weight M in its wide view, with its gradient if M has one.</param>
        /// <param name="p">The preconditioner to step from; not modified afterwards (it is saved for the backward).</param>
        /// <param name="e">I − P·A·Pᵀ, without gradient.</param>
        /// <param name="e2">E·E, without gradient.</param>
        public static Tensor Apply(Tensor a, Tensor p, Tensor e, Tensor e2) =>
            (a.requires_grad || p.requires_grad) && torch.is_grad_enabled()
                ? apply(a, p, new Operands(e, e2))
                : Step(p.detach(), e, e2);

        private static Tensor Step(Tensor p, Tensor e, Tensor e2) => p.addmm(e2.mul(ThreeEighths).add_(e, Half), p);

        public override string Name => nameof(CubicStep);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var a = (Tensor)vars[0];
            var p = (Tensor)vars[1];
            var operands = (Operands)vars[2];
            ctx.save_for_backward(new List<Tensor> { a, p, operands.E, operands.E2 });
            ctx.save_data("p_requires_grad", p.requires_grad);
            return Step(p, operands.E, operands.E2);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            Tensor a = saved[0], p = saved[1], e = saved[2], e2 = saved[3];
            var dT = grad_output.mm(p.t());
            var s = dT.add(dT.t());
            var se = s.mm(e);
            var dQs = se.add(se.t()).mul_(ThreeEighths).add_(s, Half).neg_();   // ∂Q + ∂Qᵀ
            var dA = p.t().mm(dQs).mm(p).mul_(Half);
            if (!(bool)ctx.get_data("p_requires_grad")) return new List<Tensor> { dA, null!, null! };
            var t = e2.mul(ThreeEighths).add_(e, Half);
            var dP = grad_output.addmm(t, grad_output).addmm(dQs.mm(p), a);
            return new List<Tensor> { dA, dP, null! };
        }
    }
}
