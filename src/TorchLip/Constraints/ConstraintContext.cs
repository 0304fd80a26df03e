namespace TorchLip.Constraints
{
    /// <summary>What a constraint stage knows about the call it runs in.</summary>
    /// <param name="Advance">True only in a train-mode forward: iterative state (power iteration, warm start) advances.</param>
    /// <param name="Layer">The layer (its description goes into error messages; formatted only then).</param>
    public readonly record struct ConstraintContext(bool Advance, object Layer)
    {
        /// <summary>Whether CPU host kernels may take the call (off only where tests compare paths).</summary>
        internal bool HostKernels { get; init; } = true;
    }
}
