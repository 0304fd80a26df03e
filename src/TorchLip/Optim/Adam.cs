using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Optim
{
    /// <summary>
    /// TorchSharp's Adam with the same update, operation for operation (bit-identical parameters, the same options,
    /// state dict and parameter groups), but with every native <see cref="Scalar"/> it passes held alive until the call
    /// that uses it has returned.
    /// </summary>
    /// <remarks>
    /// TorchSharp 0.107's <c>Adam.step</c> converts its constants to Scalars implicitly, seven per parameter and step
    /// (<c>exp_avg.mul_(beta1)</c>, ...). Such a temporary is unreachable once its handle has been read, so the garbage
    /// collector may finalize it, freeing the native Scalar, while the native call still reads it: libtorch then fails
    /// with "Expected false to be true ... toDouble at c10/core/Scalar.h:140", or the process crashes. Reproduced here in
    /// about a second by <c>t.mul_(1.0)</c> in a loop next to a thread calling <c>GC.Collect()</c>; with the Scalar in a
    /// <c>using</c> variable, 2.6 million calls in 20 s did not fail. Rare in a training run, but a run is long.
    /// </remarks>
    public sealed class Adam : TorchSharp.Modules.Adam
    {
        /// <summary>Adam over <paramref name="parameters"/>; the arguments are TorchSharp's and PyTorch's.</summary>
        /// <param name="parameters">The parameters to optimize.</param>
        /// <param name="lr">Learning rate.</param>
        /// <param name="beta1">Decay of the first-moment estimate.</param>
        /// <param name="beta2">Decay of the second-moment estimate.</param>
        /// <param name="eps">Added to the denominator.</param>
        /// <param name="weight_decay">L2 penalty.</param>
        /// <param name="amsgrad">Use the AMSGrad variant.</param>
        /// <param name="maximize">Maximize the objective instead.</param>
        public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
            double weight_decay = 0, bool amsgrad = false, bool maximize = false)
            : base(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize)
        {
        }

        /// <summary>Performs one optimization step (TorchSharp's update, with every Scalar alive through its call).</summary>
        /// <param name="closure">Re-evaluates the model and returns the loss; optional.</param>
        public override Tensor step(Func<Tensor>? closure = null)
        {
            return _step<ParamGroup>(group =>
            {
                var options = (Options)group.Options;
                double beta1 = options.beta1!.Value, beta2 = options.beta2!.Value, weight_decay = options.weight_decay!.Value;
                double eps = options.eps!.Value, lr = options.LearningRate!.Value;
                bool amsgrad = options.amsgrad!.Value, maximize = options.maximize!.Value;
                // add_(Scalar) would make TorchSharp create an implicit alpha of 1 itself: every overload below takes all its Scalars.
                using Scalar beta1Scalar = beta1.ToScalar(), beta2Scalar = beta2.ToScalar(), eps_ = eps.ToScalar(), one = 1.ToScalar();
                using Scalar keep1 = (1 - beta1).ToScalar(), keep2 = (1 - beta2).ToScalar(), decay = weight_decay.ToScalar();

                foreach (var param in group.Parameters)
                {
                    var state = (State)_state[param.Handle];
                    var grad = param.grad;
                    if (grad is null) continue;
                    if (maximize) grad = -grad;
                    state.step += 1;

                    var bias_correction1 = 1 - Math.Pow(beta1, state.step);
                    var bias_correction2 = 1 - Math.Pow(beta2, state.step);
                    if (weight_decay != 0) grad = grad.add(param, alpha: decay);

                    state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: keep1);
                    state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), value: keep2);

                    using var correction = Math.Sqrt(bias_correction2).ToScalar();
                    Tensor denom;
                    if (amsgrad)
                    {
                        var t0 = state.max_exp_avg_sq;
                        state.max_exp_avg_sq = torch.maximum(t0, state.exp_avg_sq).DetachFromDisposeScope();
                        t0.Dispose();
                        denom = state.max_exp_avg_sq.sqrt().div(correction).add_(eps_, one);
                    }
                    else
                    {
                        denom = state.exp_avg_sq.sqrt().div(correction).add_(eps_, one);
                    }

                    using var step_size = (-(lr / bias_correction1)).ToScalar();
                    param.addcdiv_(state.exp_avg, denom, value: step_size);
                }
            }, closure);
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Adam, as <c>torch.optim.Adam</c> computes it (bit-identical), with its native Scalars kept alive through
        /// every call. See <see cref="Optim.Adam"/>.
        /// </summary>
        /// <param name="parameters">The parameters to optimize.</param>
        /// <param name="lr">Learning rate.</param>
        /// <param name="beta1">Decay of the first-moment estimate.</param>
        /// <param name="beta2">Decay of the second-moment estimate.</param>
        /// <param name="eps">Added to the denominator.</param>
        /// <param name="weight_decay">L2 penalty.</param>
        /// <param name="amsgrad">Use the AMSGrad variant.</param>
        /// <param name="maximize">Maximize the objective instead.</param>
        public static Optim.Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
            double eps = 1e-8, double weight_decay = 0, bool amsgrad = false, bool maximize = false)
            => new(parameters, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize);
    }
}
