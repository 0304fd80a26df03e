using System;
using TorchLip.Internal;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// Division by the Frobenius norm (σ_max ≤ ‖W‖_F, so the layer is 1-Lipschitz), or, with <see cref="disjoint_neurons"/>,
    /// of each output row by its own norm (each output is 1-Lipschitz on its own; the map up to √out). Computed in float64
    /// and rounded once, so that the bound holds by construction (a norm moves by at most the relative rounding); a zero
    /// matrix or row stays zero. Stateless.
    /// </summary>
    public sealed class FrobeniusNormalization : ConstraintStage
    {
        /// <summary>Creates the stage.</summary>
        /// <param name="disjoint_neurons">Normalize each output row separately.</param>
        public FrobeniusNormalization(bool disjoint_neurons) => this.disjoint_neurons = disjoint_neurons;

        /// <summary>Whether each output row is normalized on its own.</summary>
        public bool disjoint_neurons { get; }

        /// <inheritdoc/>
        public override ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context)
        {
            var w = weight.Value;
            if (!torch.isfinite(w.detach()).all().item<bool>()) throw ArgumentChecks.NotFinite(context.Layer.ToString()!, "the raw weight");
            var normalized = Frobenius.Normalize(w, disjoint_neurons);
            // Row norms 1 (to float64 accuracy): the Frobenius norm is 1, or √out for disjoint rows.
            double bound = (disjoint_neurons ? Math.Sqrt(w.size(0)) : 1.0) * (1 + 1e-12);
            return ConstrainedWeight.Formed(normalized, w.dtype, bound, ConstrainedWeight.BoundKind.Norm).Times(weight.Scale);
        }

        /// <inheritdoc/>
        public override double MapFactor(long[] shape) => disjoint_neurons && shape[0] > 1 ? Math.Sqrt(shape[0]) : 1.0;

        /// <inheritdoc/>
        public override string ToString() => $"FrobeniusNormalization(disjoint_neurons={PythonRepr.Bool(disjoint_neurons)})";
    }
}
