using System.Collections.Generic;
using TorchLip.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Model inspection helpers: empirical Lipschitz constants and singular values.</summary>
        public static partial class utils
        {
            /// <summary>ε-perturbation Lipschitz estimate (a lower bound). See <see cref="LipschitzEstimates.Perturbation"/>.</summary>
            /// <param name="model">The model.</param>
            /// <param name="x">Samples, shape (N, ...).</param>
            /// <param name="epsilon">L2 norm of each random perturbation.</param>
            /// <param name="draws">Perturbations per sample.</param>
            /// <param name="seed">Seed of the random directions.</param>
            public static double lipschitz_eps_estimate(nn.Module<Tensor, Tensor> model, Tensor x,
                double epsilon = LipschitzEstimates.DefaultEpsilon, int draws = LipschitzEstimates.DefaultDraws, long seed = 0)
                => LipschitzEstimates.Perturbation(model, x, epsilon, draws, seed);

            /// <summary>Pairwise Lipschitz estimate over all sample pairs (a lower bound). See <see cref="LipschitzEstimates.Pairwise"/>.</summary>
            /// <param name="model">The model.</param>
            /// <param name="x">Samples, shape (N, ...), N ≥ 2.</param>
            public static double lipschitz_pairwise_estimate(nn.Module<Tensor, Tensor> model, Tensor x)
                => LipschitzEstimates.Pairwise(model, x);

            /// <summary>Smallest and largest singular value of every weight matrix. See <see cref="SingularValues.Of"/>.</summary>
            /// <param name="model">A TorchLip or plain TorchSharp model.</param>
            public static IReadOnlyList<LayerSingularValues> layer_singular_values(nn.Module model) => SingularValues.Of(model);
        }
    }
}
