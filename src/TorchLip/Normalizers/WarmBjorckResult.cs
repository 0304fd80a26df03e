using TorchLip.Constraints;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>Outcome of <see cref="WarmBjorck.Orthonormalize(Tensor, Tensor, double, int, double, string?)"/>.</summary>
    /// <param name="Constrained">The certified weight: σ_max of what it applies is at most k·(1 + 1e-5).</param>
    /// <param name="Preconditioner">The m×m matrix to start the next call from.</param>
    /// <param name="Iterations">Björck steps taken (in all precisions).</param>
    internal sealed record WarmBjorckResult(ConstrainedWeight Constrained, Tensor Preconditioner, int Iterations)
    {
        /// <summary>F (m×m, without the scale), or null when the weight is applied formed (<see cref="IsFormed"/>).</summary>
        public Tensor? Factor => Constrained.AppliesFactors ? Constrained.Factor : null;

        /// <summary>The exact scale applied on top of the factors: k, or less when the step budget ran out.</summary>
        public double Scale => Constrained.Scale;

        /// <summary>Whether the weight is applied formed (an ill-conditioned raw weight, orthonormalized in float64) rather than as factors.</summary>
        public bool IsFormed => !Constrained.AppliesFactors;

        /// <summary>A certified upper bound on the spectral norm of the map (k·(1 + 1e-5) at most).</summary>
        public double LipschitzBound => Constrained.Bound;

        /// <summary>The weight, same shape as W (formed in float64 and rounded once when kept as factors).</summary>
        public Tensor Weight() => Constrained.Weight();

        /// <summary>input·Wᵀ + bias for a 2-D weight.</summary>
        /// <param name="input">Input (*, in).</param>
        /// <param name="bias">Bias (out), or null.</param>
        public Tensor Linear(Tensor input, Tensor? bias) => Constrained.Linear(input, bias);
    }
}
