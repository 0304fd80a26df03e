using System;
using TorchLip.Constraints;
using TorchLip.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Base of every layer whose weight is computed from a raw trainable parameter by a <see cref="WeightConstraint"/>:
    /// it holds the raw weight, the bias, the constraint's buffers, the eval-mode cache, the state hooks and the export.
    /// A subclass says only how a weight is applied (<see cref="ApplyTraining"/>, <see cref="ApplyWeight"/>), how its
    /// input is checked, and which plain module it exports to.
    /// </summary>
    /// <remarks>
    /// <see cref="Constrain"/> is the only place the constrained weight is obtained: train-mode forwards compute it with
    /// gradient and advance the constraint's state; eval mode computes it once without gradient and caches it;
    /// <see cref="effective_weight"/> and export read that cache (or compute without advancing). The cache is dropped on
    /// every <c>train()</c>/<c>eval()</c> call, on a state load through a TorchLip module, on a device/dtype move and when
    /// k changes. After loading state through a plain TorchSharp container, call <c>eval()</c> again (it always refreshes).
    /// State-dict keys: <c>weight</c> (the raw weight), <c>bias</c>, and the constraint stages' buffers by their names.
    /// </remarks>
    public abstract class ConstrainedModule : LipschitzModule
    {
        /// <summary>The state-dict name of the raw weight (PyTorch's <c>spectral_norm</c> name for it).</summary>
        public const string RawWeightName = "weight_orig";

        /// <summary>The raw (unconstrained) trainable weight, state-dict key <c>weight_orig</c>.</summary>
        [TorchSharp.Utils.ComponentName(Name = RawWeightName)]
        protected readonly Parameter weight_orig;

        /// <summary>The bias, or <c>null</c>.</summary>
        [TorchSharp.Utils.ComponentName(Name = "bias")]
        protected readonly Parameter? bias;

        private Tensor? _evalWeight;

        /// <summary>Creates the layer with an orthogonal raw weight (viewed as (shape[0], −1)), a zero bias and the constraint's buffers.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="weightShape">The raw weight's shape; the constraint acts on it viewed as (shape[0], −1).</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="constraint">How the raw weight becomes the applied weight.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        /// <param name="outputs">Size of the bias (the layer's output features or channels); null: <c>weightShape[0]</c>.</param>
        /// <param name="operator_gain">
        /// A factor c with ‖map‖₂ ≤ c·σ_max(weight viewed as (shape[0], −1)) for every input the layer accepts (1 for a
        /// linear layer, √(largest read count) for a convolution, see <see cref="Operators.ConvOperator.Gain"/>): the
        /// certificate holds the weight matrix to k/c, so that the layer's map is k-Lipschitz.
        /// </param>
        protected ConstrainedModule(string name, long[] weightShape, bool bias, WeightConstraint constraint, double k_coef_lip,
            long? outputs = null, double operator_gain = 1.0)
            : base(name, k_coef_lip)
        {
            ArgumentNullException.ThrowIfNull(weightShape);
            ArgumentNullException.ThrowIfNull(constraint);
            foreach (var size in weightShape) ArgumentChecks.Positive(size, nameof(weightShape));
            if (!(operator_gain >= 1) || double.IsInfinity(operator_gain))
                throw new ArgumentOutOfRangeException(nameof(operator_gain), operator_gain, "operator_gain must be a finite number >= 1 (a map reads each weight entry at least once).");
            this.constraint = constraint;
            this.operator_gain = operator_gain;
            using (torch.no_grad())
            {
                var raw = torch.empty(weightShape[0], ShapeProduct(weightShape) / weightShape[0]);
                nn.init.orthogonal_(raw);
                weight_orig = nn.Parameter(raw.reshape(weightShape));
                this.bias = bias ? nn.Parameter(torch.zeros(outputs ?? weightShape[0])) : null;
                foreach (var (bufferName, initial) in constraint.CreateBuffers(weight_orig)) register_buffer(bufferName, initial);
            }
            constraint.Bind(Buffer);
        }

        /// <summary>
        /// The rigorous factor between the weight matrix and the layer's map: ‖map‖₂ ≤ operator_gain·σ_max(weight viewed as
        /// (shape[0], −1)) for every input the layer accepts (1 for a linear layer).
        /// </summary>
        public double operator_gain { get; }

        /// <summary>How the raw weight becomes the applied weight.</summary>
        public WeightConstraint constraint { get; }

        /// <summary>The raw trainable weight (what the optimizer updates, state-dict key <c>weight_orig</c>), not the weight the layer applies.</summary>
        public Parameter raw_weight => weight_orig;

        /// <summary>
        /// The weight the layer applies (as deel-torchlip's <c>layer.weight</c>): <see cref="effective_weight"/>. The raw
        /// trainable tensor is <see cref="raw_weight"/> (state-dict key <c>weight_orig</c>).
        /// </summary>
        public Tensor weight => effective_weight();

        /// <summary>The bias parameter, or <c>null</c>.</summary>
        public Parameter? bias_parameter => bias;

        /// <summary>A true bound of the layer's map: k, times √out for a constraint that bounds each output on its own.</summary>
        public override double lipschitz_constant => scale_factor * constraint.MapFactor(TensorSizes.Of(weight_orig));

        /// <summary>Each output is k-Lipschitz (<see cref="LipschitzModule.scale_factor"/>).</summary>
        public override double output_lipschitz_constant => scale_factor;

        /// <summary>
        /// The certified weight for this call: the constraint's chain, ×k, certificate. Advances the constraint's state only
        /// when <paramref name="advance"/> (a train-mode forward).
        /// </summary>
        /// <param name="advance">Whether iterative state (power iteration, warm start) advances.</param>
        protected ConstrainedWeight Constrain(bool advance) => constraint.Apply(weight_orig, scale_factor, new ConstraintContext(advance, this), operator_gain);

        /// <summary>
        /// The weight the layer applies, k included, certified (σ_max ≤ k/<see cref="operator_gain"/>·(1 + 1e-5), times √out
        /// for per-output constraints), as a tensor of the raw weight's shape. Reading it never advances state. In train mode it is
        /// recomputed (with gradient) on every call; in eval mode it is computed once and cached (do not dispose it).
        /// </summary>
        public Tensor effective_weight() => training ? Constrain(advance: false).Weight() : EvalWeight();

        /// <summary>The eval-mode weight (no gradient, no state advance); cached while the layer is in eval mode.</summary>
        protected Tensor EvalWeight()
        {
            if (_evalWeight is not null) return _evalWeight;
            Tensor w;
            using (torch.no_grad())
            using (var scope = torch.NewDisposeScope())
                w = Constrain(advance: false).Weight().detach().clone().DetachFromDisposeScope();
            if (!training) _evalWeight = w;
            return w;
        }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            CheckInput(input);
            return training ? ApplyTraining(input, Constrain(advance: true)) : ApplyWeight(input, EvalWeight());
        }

        /// <summary>Throws a clear error for an input the layer cannot take (shape, dtype).</summary>
        /// <param name="input">The input.</param>
        protected abstract void CheckInput(Tensor input);

        /// <summary>The train-mode map with the certified weight of this call (a subclass may apply factors without forming the weight).</summary>
        /// <param name="input">Input, already checked.</param>
        /// <param name="weight">The certified weight.</param>
        protected abstract Tensor ApplyTraining(Tensor input, ConstrainedWeight weight);

        /// <summary>The map with a formed weight (eval mode's cached one).</summary>
        /// <param name="input">Input, already checked.</param>
        /// <param name="weight">The weight, k included.</param>
        protected abstract Tensor ApplyWeight(Tensor input, Tensor weight);

        /// <summary>A new plain TorchSharp module applying <paramref name="weight"/> and <paramref name="bias"/> (copy them in).</summary>
        /// <param name="weight">The eval-mode weight.</param>
        /// <param name="bias">The bias, or null.</param>
        protected abstract nn.Module<Tensor, Tensor> ExportModule(Tensor weight, Tensor? bias);

        /// <summary>
        /// A new plain TorchSharp module holding copies of the eval-mode weight and bias. Works in either mode and changes
        /// no state (unlike deel-torchlip, exporting in train mode does not advance the power iteration).
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export()
        {
            using var noGrad = torch.no_grad();
            var w = EvalWeight();
            try
            {
                return ExportModule(w, bias);
            }
            finally
            {
                if (!ReferenceEquals(w, _evalWeight)) w.Dispose();
            }
        }

        /// <summary>Drops the eval cache and hands the constraint the layer's current buffers (a move replaces them).</summary>
        protected override void OnConstraintChanged()
        {
            _evalWeight?.Dispose();
            _evalWeight = null;
            constraint?.Bind(Buffer);
        }

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _evalWeight?.Dispose();
                _evalWeight = null;
            }
            base.Dispose(disposing);
        }

        private Tensor Buffer(string name) =>
            get_buffer(name) ?? throw new InvalidOperationException($"{GetName()}: the constraint's buffer '{name}' is missing from the layer's state.");

        private static long ShapeProduct(long[] shape)
        {
            long product = 1;
            foreach (var s in shape) product *= s;
            return product;
        }
    }
}
