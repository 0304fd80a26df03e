using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>A cheap guaranteed upper bound on the largest singular value of a matrix.</summary>
    /// <remarks>
    /// With G the Gram matrix of the smaller side and H = G/‖G‖_F, σ_max² = λ_max(G) ≤ ‖G‖_F·‖H^64‖_F^(1/64),
    /// because ‖H^64‖_F ≥ λ_max(H)^64. The bound overestimates σ_max by at most m^(1/128) (1.04 for m = 128), far
    /// tighter than ‖W‖_F. Computed in float64 without gradient (six m×m squarings).
    /// </remarks>
    internal static class SpectralBound
    {
        private const int Squarings = 6;

        /// <summary>An upper bound on σ_max(<paramref name="w"/>) (w viewed as (shape[0], −1)); NaN/∞ for a non-finite w.</summary>
        /// <param name="w">The matrix.</param>
        public static double UpperBound(Tensor w)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var m = w.detach().reshape(w.shape[0], -1).to_type(ScalarType.Float64);
            return Math.Sqrt(LambdaMaxBound(m.shape[0] <= m.shape[1] ? m.mm(m.t()) : m.t().mm(m)));
        }

        /// <summary>An upper bound on the largest eigenvalue of a symmetric positive semi-definite matrix.</summary>
        /// <param name="gram">A Gram matrix (any float dtype).</param>
        public static double LambdaMaxBound(Tensor gram)
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var g = gram.detach().to_type(ScalarType.Float64);
            double frob = g.norm().item<double>();
            if (!(frob > 0) || double.IsInfinity(frob)) return frob;
            using var norm = frob.ToScalar();
            var h = g.div(norm);
            for (int i = 0; i < Squarings; i++) h = h.mm(h);
            return frob * Math.Pow(h.norm().item<double>(), 1.0 / (1 << Squarings));
        }
    }
}
