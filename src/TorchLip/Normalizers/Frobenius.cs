using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Normalizers
{
    /// <summary>Division by the Frobenius norm, of the whole matrix or of each output row, computed in float64.</summary>
    internal static class Frobenius
    {
        /// <summary>
        /// <paramref name="w"/> divided by its Frobenius norm (or each row by its own) in float64, differentiable; a zero
        /// matrix or row stays zero. The result stays float64: the caller rounds it once.
        /// </summary>
        public static Tensor Normalize(Tensor w, bool disjoint)
        {
            var rows = w.reshape(w.size(0), -1).to_type(ScalarType.Float64);
            var norms = (disjoint ? rows.norm(1, true, 2.0f) : rows.norm()).clamp_min(ScalarCache.Of(1e-300));
            return (rows / norms).reshape(TensorSizes.Of(w));
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        public static partial class normalizers
        {
            /// <summary>
            /// Frobenius normalization: the whole matrix divided by its Frobenius norm (a contraction, since
            /// ‖W‖₂ ≤ ‖W‖_F), or, with <paramref name="disjoint_neurons"/>, each output row divided by its own L2 norm
            /// (each output neuron is then 1-Lipschitz on its own, the map √out-Lipschitz). The norms are computed in
            /// float64 and the result rounded once, so that its norm is 1 within a relative 1e-7 whatever its size; a zero
            /// matrix (or row) stays zero.
            /// </summary>
            /// <param name="w">Weight (out, ...), viewed as (out, −1).</param>
            /// <param name="disjoint_neurons">Normalize each row separately.</param>
            /// <param name="scale">Multiplies the result: the layer's Lipschitz constant.</param>
            public static Tensor frobenius_normalization(Tensor w, bool disjoint_neurons = false, double scale = 1.0)
            {
                Internal.ArgumentChecks.MinRank(w, 2, nameof(w), "frobenius_normalization");
                Internal.ArgumentChecks.FloatingPoint(w, nameof(w), "frobenius_normalization");
                var normalized = Normalizers.Frobenius.Normalize(w, disjoint_neurons);
                return (scale == 1.0 ? normalized : normalized.mul(ScalarCache.Of(scale))).to_type(w.dtype);
            }
        }
    }
}
