using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// A = M·Mᵀ with the backward ∂L/∂M = (G + Gᵀ)·M in one product; autograd's generic matmul backward treats the
    /// two factors as unrelated and pays two products of the large size.
    /// </summary>
    internal sealed class SymmetricGram : torch.autograd.SingleTensorFunction<SymmetricGram>
    {
        /// <summary>M·Mᵀ, through this function only when a gradient is needed.</summary>
        public static Tensor Of(Tensor m) => m.requires_grad && torch.is_grad_enabled() ? apply(m) : m.mm(m.t());

        public override string Name => nameof(SymmetricGram);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            var m = (Tensor)vars[0];
            ctx.save_for_backward(new List<Tensor> { m });
            return m.mm(m.t());
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor grad_output)
        {
            var m = ctx.get_saved_variables()[0];
            return new List<Tensor> { grad_output.add(grad_output.t(), ScalarCache.Of(1.0)).mm(m) };
        }
    }
}
