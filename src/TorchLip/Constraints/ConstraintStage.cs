using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// One link of a <see cref="WeightConstraint"/>'s chain (deel-torchlip's reparametrizations, in their order: spectral
    /// estimate → orthonormalization → convolution coefficient → ×k): it maps the weight as it stands to the next form,
    /// and owns the buffers its state needs.
    /// </summary>
    /// <remarks>
    /// The layer registers a stage's buffers under the names the stage gives (they are the state-dict keys, so they are
    /// chosen once and documented) and hands them back through <see cref="Bind"/> whenever it replaces them (a device or
    /// dtype move). A stage that only reads its buffers when <see cref="ConstraintContext.Advance"/> is false changes no
    /// state: eval mode, <c>effective_weight()</c> and export never advance anything.
    /// </remarks>
    public abstract class ConstraintStage
    {
        /// <summary>The buffers this stage keeps in the layer's state and their initial values, for the raw weight <paramref name="raw"/>.</summary>
        /// <param name="raw">The layer's initial raw weight.</param>
        public virtual IReadOnlyList<(string Name, Tensor Initial)> CreateBuffers(Tensor raw) => Array.Empty<(string, Tensor)>();

        /// <summary>Receives the layer's current buffers (after registration and after every move).</summary>
        /// <param name="buffer">The layer's buffer of a given name.</param>
        public virtual void Bind(Func<string, Tensor> buffer) { }

        /// <summary>The next form of the weight.</summary>
        /// <param name="weight">The weight as the previous stage left it (the raw weight, formed, for the first one).</param>
        /// <param name="context">The call.</param>
        public abstract ConstrainedWeight Apply(ConstrainedWeight weight, ConstraintContext context);

        /// <summary>
        /// How much more than each output the map as a whole may grow under this stage (1 for every stage except one that
        /// normalizes each output on its own: √outputs).
        /// </summary>
        /// <param name="shape">The raw weight's shape.</param>
        public virtual double MapFactor(long[] shape) => 1.0;

        /// <summary>The stage and its settings, e.g. <c>WarmBjorck(niter_bjorck=15, beta_bjorck=0.5)</c>.</summary>
        public abstract override string ToString();
    }
}
