using System;
using System.Collections.Generic;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Evaluation
{
    /// <summary>Singular values of the weight matrices of a model, computed in float64.</summary>
    public static class SingularValues
    {
        /// <summary>
        /// Lists the smallest and largest singular value of every weight matrix of <paramref name="model"/>, in module
        /// order, with the factor between that matrix and the layer's map (<see cref="LipschitzBounds.AppliedWeight"/>): the
        /// eval-mode <see cref="ConstrainedModule.effective_weight"/> of TorchLip weight layers (the matrix the layer
        /// really applies, k included; for a convolution its reshaped kernel, whose largest singular value times the gain
        /// bounds the convolution) and the weight of plain linear and convolution layers (e.g. after
        /// <see cref="LipschitzModule.vanilla_export"/>). Other modules are skipped.
        /// </summary>
        /// <remarks>The model is evaluated in eval mode and every submodule gets its previous mode back.</remarks>
        /// <param name="model">A TorchLip model, a plain TorchSharp model, or a single layer.</param>
        public static IReadOnlyList<LayerSingularValues> Of(nn.Module model)
        {
            ArgumentNullException.ThrowIfNull(model);
            var result = new List<LayerSingularValues>();
            using var mode = new EvalModeScope(model);
            Add(result, "", model);
            foreach (var (name, m) in model.named_modules()) Add(result, name, m);
            return result;
        }

        /// <summary>The smallest and largest singular value of a matrix (higher ranks are viewed as (shape[0], −1)).</summary>
        /// <param name="weight">The matrix.</param>
        public static (double min, double max) Extremes(Tensor weight)
        {
            ArgumentNullException.ThrowIfNull(weight);
            ArgumentChecks.MinRank(weight, 2, nameof(weight), "singular_values");
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var s = torch.linalg.svdvals(weight.detach().reshape(weight.shape[0], -1).to_type(ScalarType.Float64));
            return (s.min().item<double>(), s.max().item<double>());
        }

        private static void Add(List<LayerSingularValues> result, string name, nn.Module m)
        {
            if (LipschitzBounds.AppliedWeight(m) is not var (weight, gain)) return;
            var (min, max) = Extremes(weight);
            result.Add(new LayerSingularValues(name, m.GetName(), min, max, gain));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Smallest and largest singular value of every weight matrix. See <see cref="Evaluation.SingularValues.Of"/>.</summary>
        /// <param name="model">A TorchLip or plain TorchSharp model.</param>
        public static IReadOnlyList<Evaluation.LayerSingularValues> layer_singular_values(nn.Module model) => Evaluation.SingularValues.Of(model);
    }
}
