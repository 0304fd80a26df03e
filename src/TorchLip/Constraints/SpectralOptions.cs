using System;
using System.Collections.Generic;
using TorchLip.Internal;
using TorchLip.Normalizers;

namespace TorchLip.Constraints
{
    /// <summary>Which orthonormalization a spectral constraint runs.</summary>
    public enum Orthonormalization
    {
        /// <summary>Björck steps from the previous call's result (<see cref="WarmBjorckOrthonormalization"/>), the default.</summary>
        WarmBjorck,

        /// <summary>deel-torchlip's chain: power iteration, then Björck from W/σ̂ (<see cref="SpectralNormalization"/>, <see cref="BjorckOrthonormalization"/>).</summary>
        Bjorck,
    }

    /// <summary>
    /// A preset for spectral constraints (as orthogonium's <c>OrthoParams</c>): the orthonormalization and its settings.
    /// Settings that mean nothing for the chosen orthonormalization are rejected, never silently ignored.
    /// </summary>
    public sealed record SpectralOptions
    {
        /// <summary>The default: the warm-started Björck iteration with the default step count and size.</summary>
        public static SpectralOptions WarmStart { get; } = new();

        /// <summary>deel-torchlip's classic chain with its defaults (3 power iterations per forward, 15 Björck steps, no early stop).</summary>
        public static SpectralOptions Classic { get; } = new() { Orthonormalization = Orthonormalization.Bjorck };

        /// <summary>The orthonormalization.</summary>
        public Orthonormalization Orthonormalization { get; init; } = Orthonormalization.WarmBjorck;

        /// <summary>Björck steps per weight computation at most.</summary>
        public int BjorckIterations { get; init; } = ConstraintDefaults.BjorckIterations;

        /// <summary>Björck step size β.</summary>
        public double BjorckBeta { get; init; } = ConstraintDefaults.BjorckBeta;

        /// <summary>Classic chain only: stop Björck once ‖ΔW‖_F &lt; eps (null: always <see cref="BjorckIterations"/> steps).</summary>
        public double? BjorckEpsilon { get; init; }

        /// <summary>Classic chain only: power iterations per train-mode forward (null: <see cref="ConstraintDefaults.SpectralIterations"/>).</summary>
        public int? SpectralIterations { get; init; }

        /// <summary>Classic chain only: normalization floor of the power iteration (null: <see cref="ConstraintDefaults.SpectralEpsilon"/>).</summary>
        public double? SpectralEpsilon { get; init; }

        /// <summary>Throws when a setting is out of range or means nothing for the chosen orthonormalization.</summary>
        /// <exception cref="ArgumentException">The message names the setting and the fix.</exception>
        public void Validate()
        {
            if (BjorckIterations < 1)
                throw new ArgumentOutOfRangeException("niter_bjorck", BjorckIterations,
                    "niter_bjorck must be >= 1: without Björck steps nothing makes the weight orthonormal. Use FrobeniusLinear for a normalization without orthogonalization.");
            ArgumentChecks.PositiveFinite(BjorckBeta, "beta_bjorck");
            if (Orthonormalization == Orthonormalization.WarmBjorck)
            {
                foreach (var (name, given) in new[] { ("niter_spectral", SpectralIterations is not null), ("eps_spectral", SpectralEpsilon is not null), ("eps_bjorck", BjorckEpsilon is not null) })
                    if (given)
                        throw new ArgumentException(
                            $"{name} applies to the classic chain only (warm_start: false): the warm start runs no power iteration and stops on a certified residual. " +
                            $"Drop {name}, or pass warm_start: false.", name);
                return;
            }
            if (SpectralIterations is int n && n < 0) throw new ArgumentOutOfRangeException("niter_spectral", n, "niter_spectral must be >= 0.");
            if (SpectralEpsilon is double e) ArgumentChecks.PositiveFinite(e, "eps_spectral");
            if (BjorckEpsilon is double b) ArgumentChecks.PositiveFinite(b, "eps_bjorck");
        }

        /// <summary>The preset that deel-torchlip-style layer arguments describe (shared by every spectral layer's constructor).</summary>
        internal static SpectralOptions FromArguments(int? niterSpectral, int niterBjorck, double? epsBjorck, double? epsSpectral, double beta, bool warmStart) => new()
        {
            Orthonormalization = warmStart ? Orthonormalization.WarmBjorck : Orthonormalization.Bjorck,
            BjorckIterations = niterBjorck,
            BjorckBeta = beta,
            BjorckEpsilon = epsBjorck,
            SpectralIterations = niterSpectral,
            SpectralEpsilon = epsSpectral,
        };

        /// <summary>The stages of the chain these options describe.</summary>
        internal ConstraintStage[] CreateStages()
        {
            Validate();
            return Orthonormalization == Orthonormalization.WarmBjorck
                ? new ConstraintStage[] { new WarmBjorckOrthonormalization(BjorckIterations, BjorckBeta) }
                : new ConstraintStage[]
                {
                    new SpectralNormalization(SpectralIterations ?? ConstraintDefaults.SpectralIterations, SpectralEpsilon ?? ConstraintDefaults.SpectralEpsilon,
                        Bjorck.ConvergenceRadius(BjorckBeta)),
                    new BjorckOrthonormalization(BjorckIterations, BjorckEpsilon, BjorckBeta),
                };
        }
    }
}
