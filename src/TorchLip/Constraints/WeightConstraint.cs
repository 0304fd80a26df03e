using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;
using TorchLip.Internal;

namespace TorchLip.Constraints
{
    /// <summary>
    /// How a layer turns its raw weight into the weight it applies: a chain of <see cref="ConstraintStage"/>s in
    /// deel-torchlip's order, then ×k and the certificate (<see cref="ConstrainedWeight.Certified"/>), so that what any
    /// constraint yields is certified k-Lipschitz (k·√out for layers that bound each output on its own).
    /// </summary>
    /// <remarks>
    /// A layer says <em>what</em> it constrains (a linear weight, a convolution kernel) and the constraint says
    /// <em>how</em>: <see cref="Spectral"/> from a <see cref="SpectralOptions"/> preset, <see cref="Frobenius"/>, or any
    /// chain of stages. The stages' buffers become the layer's state under the names they declare.
    /// </remarks>
    public sealed class WeightConstraint
    {
        /// <summary>Creates a chain.</summary>
        /// <param name="stages">The stages, in the order they apply (at least one; buffer names unique).</param>
        public WeightConstraint(params ConstraintStage[] stages)
        {
            ArgumentNullException.ThrowIfNull(stages);
            if (stages.Length == 0) throw new ArgumentException("WeightConstraint: give at least one stage.", nameof(stages));
            if (stages.Any(s => s is null)) throw new ArgumentNullException(nameof(stages), "WeightConstraint: a stage is null.");
            Stages = stages;
        }

        /// <summary>The stages, in order.</summary>
        public IReadOnlyList<ConstraintStage> Stages { get; }

        /// <summary>The spectral constraint (all singular values equal to k) that <paramref name="options"/> describe.</summary>
        /// <param name="options">The preset; null: <see cref="SpectralOptions.WarmStart"/>.</param>
        public static WeightConstraint Spectral(SpectralOptions? options = null) => new((options ?? SpectralOptions.WarmStart).CreateStages());

        /// <summary>The Frobenius constraint: ‖W‖_F = k, or every row of norm k with <paramref name="disjoint_neurons"/>.</summary>
        /// <param name="disjoint_neurons">Normalize each output row on its own.</param>
        public static WeightConstraint Frobenius(bool disjoint_neurons) => new(new FrobeniusNormalization(disjoint_neurons));

        /// <summary>The stages' buffers for a layer whose initial raw weight is <paramref name="raw"/>.</summary>
        /// <param name="raw">The raw weight.</param>
        /// <exception cref="InvalidOperationException">Two stages declare the same buffer name.</exception>
        public IReadOnlyList<(string Name, Tensor Initial)> CreateBuffers(Tensor raw)
        {
            var buffers = Stages.SelectMany(s => s.CreateBuffers(raw)).ToList();
            var duplicate = buffers.GroupBy(b => b.Name).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
                throw new InvalidOperationException($"WeightConstraint: two stages keep a buffer named '{duplicate.Key}'; state-dict keys must be unique.");
            return buffers;
        }

        /// <summary>Hands every stage the layer's current buffers.</summary>
        /// <param name="buffer">The layer's buffer of a given name.</param>
        public void Bind(Func<string, Tensor> buffer)
        {
            foreach (var stage in Stages) stage.Bind(buffer);
        }

        /// <summary>
        /// The certified weight for <paramref name="raw"/>: the chain, then ×k/<paramref name="gain"/>, then the certificate
        /// against that same target, so that a map bounded by gain·σ_max(weight) is k-Lipschitz. The target, not only the
        /// scale, carries the gain: a certificate against k of a weight scaled by 1/gain would let residuals up to the gain pass.
        /// </summary>
        /// <param name="raw">The raw weight.</param>
        /// <param name="k">The layer's Lipschitz constant (applied exactly).</param>
        /// <param name="context">The call.</param>
        /// <param name="gain">The layer's operator gain (‖map‖ ≤ gain·σ_max(weight matrix)); 1 for a linear layer.</param>
        public ConstrainedWeight Apply(Tensor raw, double k, ConstraintContext context, double gain = 1.0)
        {
            ArgumentChecks.PositiveFinite(gain, nameof(gain));
            var weight = ConstrainedWeight.Formed(raw, raw.dtype);
            foreach (var stage in Stages) weight = stage.Apply(weight, context);
            double target = k / gain;
            return weight.Times(target).Certified(target * MapFactor(TorchLip.Internal.TensorSizes.Of(raw)));
        }

        /// <summary>How much more than each output the map may grow (√out for disjoint output normalization, else 1).</summary>
        /// <param name="shape">The raw weight's shape.</param>
        public double MapFactor(long[] shape) => Stages.Aggregate(1.0, (f, s) => f * s.MapFactor(shape));

        /// <summary>The chain, e.g. <c>WarmBjorck(niter_bjorck=15, beta_bjorck=0.5)</c>.</summary>
        public override string ToString() => string.Join(" -> ", Stages);
    }
}
