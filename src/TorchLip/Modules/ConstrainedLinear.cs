using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A linear layer y = x·Wᵀ + b whose weight W is computed from a raw trainable parameter by a constraint that
    /// includes the layer's Lipschitz constant and certifies the result (<see cref="AppliedWeight"/>).
    /// </summary>
    /// <remarks>
    /// <see cref="AppliedWeight"/> is the only place the constrained weight is obtained: train-mode forwards
    /// recompute it with gradient; eval mode computes it once without gradient and caches it; export copies that
    /// cache. The cache is dropped on every <c>train()</c>/<c>eval()</c> call, on a state load through a TorchLip
    /// module, on a device/dtype move and when k changes. After loading state through a plain TorchSharp
    /// container, call <c>eval()</c> again (it always refreshes).
    /// </remarks>
    public abstract class ConstrainedLinear : LipschitzModule
    {
        /// <summary>The raw (unconstrained) trainable weight, shape (out_features, in_features).</summary>
        [TorchSharp.Utils.ComponentName(Name = "weight")]
        protected readonly Parameter weight;

        /// <summary>The bias, shape (out_features), or <c>null</c>.</summary>
        [TorchSharp.Utils.ComponentName(Name = "bias")]
        protected readonly Parameter? bias;

        private Tensor? _evalWeight;

        /// <summary>Creates the layer with an orthogonal raw weight and a zero bias.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        protected ConstrainedLinear(string name, long in_features, long out_features, bool bias, double k_coef_lip)
            : base(name, k_coef_lip)
        {
            Checks.Positive(in_features, nameof(in_features));
            Checks.Positive(out_features, nameof(out_features));
            this.in_features = in_features;
            this.out_features = out_features;
            using (torch.no_grad())
            {
                weight = nn.Parameter(nn.init.orthogonal_(torch.empty(out_features, in_features)));
                this.bias = bias ? nn.Parameter(torch.zeros(out_features)) : null;
            }
        }

        /// <summary>Input size.</summary>
        public long in_features { get; }

        /// <summary>Output size.</summary>
        public long out_features { get; }

        /// <summary>The raw trainable weight (what the optimizer updates), not the weight the layer applies.</summary>
        public Parameter raw_weight => weight;

        /// <summary>The bias parameter, or <c>null</c>.</summary>
        public Parameter? bias_parameter => bias;

        /// <summary>
        /// The weight the layer applies, <see cref="LipschitzModule.scale_factor"/> included, certified: its float64 spectral
        /// norm is at most scale_factor·(1 + 1e-5) (times √out_features for layers that bound each output on its own).
        /// </summary>
        /// <param name="advance">True only in a train-mode forward: iterative state (power iteration, warm start) advances.</param>
        protected abstract Tensor AppliedWeight(bool advance);

        /// <summary>
        /// The weight the layer applies, <see cref="LipschitzModule.scale_factor"/> included. Reading it never advances
        /// iterative state. In train mode it is recomputed (with gradient) on every call; in eval mode it is computed
        /// once and cached (do not dispose the returned tensor).
        /// </summary>
        public Tensor effective_weight() => training ? AppliedWeight(advance: false) : EvalWeight();

        /// <summary>The eval-mode weight (no gradient, no state advance); cached while the layer is in eval mode.</summary>
        private Tensor EvalWeight()
        {
            if (_evalWeight is not null) return _evalWeight;
            Tensor w;
            using (torch.no_grad())
            using (var scope = torch.NewDisposeScope())
                w = AppliedWeight(advance: false).detach().clone().DetachFromDisposeScope();
            if (!training) _evalWeight = w;
            return w;
        }

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            CheckInput(input);
            return training ? TrainingLinear(input) : nn.functional.linear(input, EvalWeight(), bias);
        }

        /// <summary>
        /// The train-mode map x·Wᵀ + b with W recomputed (with gradient) and iterative state advanced. A layer whose
        /// constraint yields W as factors overrides it to apply them without forming W.
        /// </summary>
        /// <param name="input">Input (*, in_features), already checked.</param>
        protected virtual Tensor TrainingLinear(Tensor input) => nn.functional.linear(input, AppliedWeight(advance: true), bias);

        private void CheckInput(Tensor input)
        {
            if (input.dim() == 0 || input.size(-1) != in_features)
                throw new ArgumentException(
                    $"{this}: the input's last dimension must be in_features = {in_features}, got shape {Checks.Shape(input)}. " +
                    "Flatten the input (nn.Flatten()) or build the layer with the right in_features.", nameof(input));
            if (!input.is_floating_point())
                throw new ArgumentException($"{this}: the input must be a floating-point tensor, got dtype {input.dtype}. Convert it with .to_type(ScalarType.Float32).", nameof(input));
        }

        /// <summary>
        /// A plain <c>nn.Linear</c> holding a copy of the eval-mode effective weight and bias. Works in either mode and
        /// changes no state (unlike deel-torchlip, exporting in train mode does not advance the power iteration).
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export()
        {
            var linear = nn.Linear(in_features, out_features, hasBias: bias is not null, dtype: weight.dtype, device: weight.device);
            using (torch.no_grad())
            {
                var w = EvalWeight();
                linear.weight!.copy_(w);
                if (!ReferenceEquals(w, _evalWeight)) w.Dispose();
                if (bias is not null) linear.bias!.copy_(bias);
            }
            return linear;
        }

        /// <inheritdoc/>
        protected override void OnConstraintChanged()
        {
            _evalWeight?.Dispose();
            _evalWeight = null;
        }

        /// <inheritdoc/>
        protected override string extra_repr() =>
            $"in_features={in_features}, out_features={out_features}, bias={Repr.Bool(bias is not null)}" + KRepr();

        /// <inheritdoc/>
        protected override void Dispose(bool disposing)
        {
            if (disposing) OnConstraintChanged();
            base.Dispose(disposing);
        }
    }
}
