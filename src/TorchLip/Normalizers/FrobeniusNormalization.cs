using static TorchSharp.torch;

namespace TorchLip
{
    public static partial class torchlip
    {
        public static partial class normalizers
        {
            /// <summary>
            /// Frobenius normalization: the whole matrix divided by its Frobenius norm (a contraction, since
            /// ‖W‖₂ ≤ ‖W‖_F), or, with <paramref name="disjoint_neurons"/>, each output row divided by its own L2 norm
            /// (each output neuron is then 1-Lipschitz on its own).
            /// </summary>
            /// <param name="w">Weight (out, ...), viewed as (out, −1).</param>
            /// <param name="disjoint_neurons">Normalize each row separately.</param>
            public static Tensor frobenius_normalization(Tensor w, bool disjoint_neurons = false)
            {
                Checks.MinRank(w, 2, nameof(w), "frobenius_normalization");
                if (!disjoint_neurons) return w / w.norm();
                var rows = w.reshape(w.size(0), -1);
                return (rows / rows.norm(1, true, 2.0f)).reshape(Sizes.Of(w));
            }
        }
    }
}
