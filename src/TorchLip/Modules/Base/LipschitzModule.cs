using System;
using System.Collections.Generic;
using System.IO;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// Base class of every TorchLip layer that guarantees a Lipschitz constant: the layer is
    /// <see cref="lipschitz_constant"/>-Lipschitz with respect to the L2 norm, in train mode, eval mode and after
    /// <see cref="vanilla_export"/>.
    /// </summary>
    public abstract class LipschitzModule : nn.Module<Tensor, Tensor>
    {
        private double _kCoefLip;
        private double _containerFactor = 1.0;

        /// <summary>Initializes the module.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="k_coef_lip">The layer's own Lipschitz constant k (&gt; 0).</param>
        protected LipschitzModule(string name, double k_coef_lip) : base(name)
        {
            ArgumentChecks.PositiveFinite(k_coef_lip, nameof(k_coef_lip));
            _kCoefLip = k_coef_lip;
        }

        /// <summary>The layer's own Lipschitz constant k, as given to the constructor.</summary>
        public double k_coef_lip
        {
            get => _kCoefLip;
            set
            {
                ArgumentChecks.PositiveFinite(value, nameof(k_coef_lip));
                _kCoefLip = value;
                OnConstraintChanged();
            }
        }

        /// <summary>
        /// The scale the layer applies: <see cref="k_coef_lip"/> times the share that an enclosing <see cref="Sequential"/>
        /// with its own <c>k_coef_lip</c> assigned to it. A weight layer's constrained weight, an activation's output, are
        /// multiplied by it.
        /// </summary>
        public double scale_factor => _kCoefLip * _containerFactor;

        /// <summary>
        /// A true bound of the layer's map in L2: ‖f(x) − f(y)‖₂ ≤ lipschitz_constant·‖x − y‖₂ for all x, y, in train mode,
        /// eval mode and after <see cref="vanilla_export"/>. It is <see cref="scale_factor"/> for most layers; a layer
        /// that constrains each output separately (<see cref="FrobeniusLinear"/> with disjoint neurons) bounds its map by more.
        /// </summary>
        public virtual double lipschitz_constant => scale_factor;

        /// <summary>
        /// A bound of each output coordinate on its own: |f_i(x) − f_i(y)| ≤ output_lipschitz_constant·‖x − y‖₂, for every
        /// output i (what per-class certificates use). Never more than <see cref="lipschitz_constant"/>.
        /// </summary>
        public virtual double output_lipschitz_constant => lipschitz_constant;

        internal void SetContainerFactor(double factor)
        {
            _containerFactor = factor;
            OnConstraintChanged();
        }

        /// <summary>
        /// Called whenever something the layer's output depends on may have changed outside <c>forward</c>:
        /// k, train/eval mode, a state load, a device or dtype move. Layers drop cached values here.
        /// </summary>
        protected virtual void OnConstraintChanged() { }

        /// <summary>
        /// Returns a plain TorchSharp module computing the same function as this layer in eval mode
        /// (weight layers become <c>nn.Linear</c>/<c>nn.Conv2d</c> holding the effective weights).
        /// </summary>
        public abstract nn.Module<Tensor, Tensor> vanilla_export();

        /// <inheritdoc/>
        public override void train(bool on = true)
        {
            base.train(on);
            OnConstraintChanged();
        }

        /// <inheritdoc/>
        public override (IList<string> missing_keys, IList<string> unexpected_keyes) load_state_dict(
            Dictionary<string, Tensor> source, bool strict = true, IList<string>? skip = null)
        {
            var result = base.load_state_dict(source, strict, skip);
            NotifyTree(this);
            return result;
        }

        /// <inheritdoc/>
        public override nn.Module load(BinaryReader reader, bool strict = true, IList<string>? skip = null, Dictionary<string, bool>? loadedParameters = null)
        {
            var result = base.load(reader, strict, skip, loadedParameters);
            NotifyTree(this);
            return result;
        }

        /// <inheritdoc/>
        protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
        {
            base._toEpilog(dtype, device, non_blocking);
            OnConstraintChanged();
        }

        /// <summary>Calls <see cref="OnConstraintChanged"/> on every TorchLip layer of <paramref name="root"/>.</summary>
        /// <param name="root">Any module tree.</param>
        public static void NotifyTree(nn.Module root)
        {
            foreach (var (_, m) in root.named_modules())
                if (m is LipschitzModule lm) lm.OnConstraintChanged();
            if (root is LipschitzModule self) self.OnConstraintChanged();
        }

        /// <summary>A PyTorch-style one-line description, e.g. <c>SpectralLinear(in_features=784, out_features=128, bias=True)</c>.</summary>
        public override string ToString() => GetName() + "(" + extra_repr() + ")";

        /// <summary>The argument list shown by <see cref="ToString"/>.</summary>
        protected virtual string extra_repr() => KRepr(first: true);

        /// <summary>", k_coef_lip=…" when k ≠ 1 (or without the comma when <paramref name="first"/>).</summary>
        /// <param name="first">Whether it is the first argument shown.</param>
        protected string KRepr(bool first = false) =>
            _kCoefLip == 1.0 ? "" : (first ? "" : ", ") + "k_coef_lip=" + PythonRepr.Number(_kCoefLip);
    }
}
