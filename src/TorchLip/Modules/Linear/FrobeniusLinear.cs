using TorchLip.Constraints;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A linear layer whose weight is divided by its Frobenius norm (the whole layer is then k-Lipschitz), or, with
    /// <see cref="disjoint_neurons"/>, each output row by its own norm (each output neuron is k-Lipschitz on its own;
    /// the whole map only k·√out_features-Lipschitz, which <see cref="LipschitzModule.lipschitz_constant"/> says). With
    /// one output both are the same, exactly k-Lipschitz.
    /// </summary>
    public sealed class FrobeniusLinear : ConstrainedLinear
    {
        /// <summary>Creates the layer. See <see cref="torchlip.FrobeniusLinear"/>.</summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="disjoint_neurons">Normalize each output row separately.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer (of each neuron when disjoint).</param>
        public FrobeniusLinear(long in_features, long out_features, bool bias = true, bool disjoint_neurons = true, double k_coef_lip = 1.0)
            : base(nameof(FrobeniusLinear), in_features, out_features, bias, WeightConstraint.Frobenius(disjoint_neurons), k_coef_lip)
        {
            this.disjoint_neurons = disjoint_neurons;
            RegisterComponents();
        }

        /// <summary>Whether each output neuron is normalized separately.</summary>
        public bool disjoint_neurons { get; }

        /// <inheritdoc/>
        protected override string extra_repr() => base.extra_repr() + (disjoint_neurons ? "" : ", disjoint_neurons=False");
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A linear layer normalized by the Frobenius norm of its weight (or of each output row with
        /// <paramref name="disjoint_neurons"/>). Input (*, in_features), output (*, out_features).
        /// </summary>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="disjoint_neurons">Normalize each output row separately (each logit k-Lipschitz).</param>
        /// <param name="k_coef_lip">Lipschitz constant.</param>
        public static Modules.FrobeniusLinear FrobeniusLinear(long in_features, long out_features, bool bias = true, bool disjoint_neurons = true, double k_coef_lip = 1.0)
            => new(in_features, out_features, bias, disjoint_neurons, k_coef_lip);
    }
}
