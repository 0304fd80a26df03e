namespace TorchLip.Constraints
{
    /// <summary>The constraints' default settings, in one place (deel-torchlip's where it has one).</summary>
    public static class ConstraintDefaults
    {
        /// <summary>Björck step size β (the literature's and deel-torchlip's 0.5).</summary>
        public const double BjorckBeta = 0.5;

        /// <summary>Björck steps per weight computation at most (deel-torchlip: 15).</summary>
        public const int BjorckIterations = 15;

        /// <summary>Power iterations per train-mode forward of the classic chain (the deel-torchlip tutorial era's 3).</summary>
        public const int SpectralIterations = 3;

        /// <summary>Normalization floor of the power iteration, x / max(‖x‖, eps) (torch's spectral_norm eps, deel-torchlip's 1e-3).</summary>
        public const double SpectralEpsilon = 1e-3;

        /// <summary>Power iterations run when a layer is created, to start from a good estimate (as torch's spectral_norm does).</summary>
        public const int InitialSpectralIterations = 15;
    }
}
