using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A sequential container that knows about Lipschitz constants: it warns about children that are not Lipschitz
    /// layers, spreads its <c>k_coef_lip</c> over its Lipschitz children (each gets K^(1/n), weight layers
    /// included, so the network is K-Lipschitz — deel-torchlip 1.x only reaches activations), reports the true bound
    /// of the whole map (<see cref="lipschitz_constant"/>: more than K when a layer bounds only its outputs one by one,
    /// which it warns about) and of each output (<see cref="output_lipschitz_constant"/>), and exports to a plain
    /// TorchSharp <c>nn.Sequential</c> with the same child names that shares no state with it.
    /// </summary>
    public sealed class Sequential : LipschitzModule
    {
        private readonly List<(string name, nn.Module<Tensor, Tensor> module)> _layers = new();

        /// <summary>Creates the container; children are named "0", "1", ….</summary>
        /// <param name="layers">The layers, in order.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the whole network (given children with k = 1).</param>
        public Sequential(IEnumerable<nn.Module<Tensor, Tensor>> layers, double k_coef_lip = 1.0)
            : this(layers.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)), k_coef_lip) { }

        /// <summary>Creates the container with named children.</summary>
        /// <param name="layers">(name, layer) pairs, in order.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the whole network (given children with k = 1).</param>
        public Sequential(IEnumerable<(string name, nn.Module<Tensor, Tensor> module)> layers, double k_coef_lip = 1.0)
            : base(nameof(Sequential), k_coef_lip)
        {
            foreach (var (name, module) in layers)
            {
                if (module is null) throw new ArgumentNullException(nameof(layers), $"Sequential: layer '{name}' is null.");
                if (string.IsNullOrEmpty(name) || name.Contains('.'))
                    throw new ArgumentException($"Sequential: layer name '{name}' must be non-empty and contain no '.'.", nameof(layers));
                if (_layers.Any(l => l.name == name))
                    throw new ArgumentException($"Sequential: two layers are named '{name}'; names must be unique.", nameof(layers));
                _layers.Add((name, module));
                register_module(name, module);
                if (module is not LipschitzModule)
                    Warnings.Warn("Sequential model contains a layer which is not a Lipschitz layer: " + LipschitzBounds.Describe(module));
            }
            OnConstraintChanged();
            WarnAboutPerOutputLayers();
        }

        /// <summary>The children, in order.</summary>
        public IReadOnlyList<(string name, nn.Module<Tensor, Tensor> module)> layers => _layers;

        /// <summary>Number of children.</summary>
        public int Count => _layers.Count;

        /// <summary>The child at <paramref name="index"/>.</summary>
        /// <param name="index">Position.</param>
        public nn.Module<Tensor, Tensor> this[int index] => _layers[index].module;

        /// <inheritdoc/>
        public override Tensor forward(Tensor input)
        {
            if (_layers.Count == 0) return input.alias();
            var x = _layers[0].module.call(input);
            for (int i = 1; i < _layers.Count; i++) x = _layers[i].module.call(x);
            return x;
        }

        /// <summary>Shares <see cref="LipschitzModule.scale_factor"/> equally (geometrically) among the Lipschitz children.</summary>
        protected override void OnConstraintChanged()
        {
            var lipschitz = _layers.Select(l => l.module).OfType<LipschitzModule>().ToList();
            if (lipschitz.Count == 0) return;
            double share = Math.Pow(scale_factor, 1.0 / lipschitz.Count);
            foreach (var child in lipschitz) child.SetContainerFactor(share);
        }

        /// <summary>
        /// The product of the children's true bounds (<see cref="LipschitzBounds.Map"/>): a TorchLip layer's
        /// <see cref="LipschitzModule.lipschitz_constant"/>, a rigorous bound for the plain modules it knows, +∞ for any other.
        /// </summary>
        public override double lipschitz_constant => _layers.Aggregate(1.0, (product, l) => product * MapConstant(l.module));

        /// <summary>
        /// The bound of each output coordinate: the last child's <see cref="LipschitzModule.output_lipschitz_constant"/>
        /// times the map constants of the children before it.
        /// </summary>
        public override double output_lipschitz_constant
        {
            get
            {
                if (_layers.Count == 0 || _layers[^1].module is not LipschitzModule last) return lipschitz_constant;
                return _layers.Take(_layers.Count - 1).Aggregate(last.output_lipschitz_constant, (product, l) => product * MapConstant(l.module));
            }
        }

        private static double MapConstant(nn.Module module) => LipschitzBounds.Map(module);

        // The layers whose map is bounded by more than their outputs are (FrobeniusLinear with disjoint neurons).
        private void WarnAboutPerOutputLayers()
        {
            foreach (var (name, module) in _layers)
                if (module is LipschitzModule lm && lm.lipschitz_constant > lm.output_lipschitz_constant * (1 + 1e-12))
                    Warnings.Warn(FormattableString.Invariant(
                        $"Sequential: layer ({name}) {Describe(module)} bounds each output by {lm.output_lipschitz_constant:G6} but its map only by {lm.lipschitz_constant:G6}; ") +
                        FormattableString.Invariant($"the network is {lipschitz_constant:G6}-Lipschitz as a map and {output_lipschitz_constant:G6}-Lipschitz per output (use disjoint_neurons: false for a map bound equal to k)."));
        }

        /// <summary>
        /// A plain <c>nn.Sequential</c> with the same child names that owns everything it holds: Lipschitz children are
        /// replaced by their export (weight layers become <c>nn.Linear</c>/<c>nn.Conv2d</c>/... with copies of the effective
        /// weights, activations new instances with their effective k), plain linear and convolution children are copied, and
        /// children without parameters or buffers (<c>Flatten</c>, ...) are shared (nothing in them can change or be
        /// disposed). Disposing the export never affects this model, and the reverse.
        /// </summary>
        /// <exception cref="NotSupportedException">A child that is not a TorchLip layer holds parameters or buffers of a type this method cannot copy.</exception>
        public override nn.Module<Tensor, Tensor> vanilla_export()
        {
            var children = _layers.Select(l => (l.name, LipschitzBounds.Export(l.name, l.module))).ToArray();
            return nn.Sequential(children);
        }

        /// <summary>A PyTorch-style multi-line description of the network.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("Sequential(");
            if (scale_factor != 1.0 || k_coef_lip != 1.0) sb.Append("k_coef_lip=").Append(PythonRepr.Number(k_coef_lip));
            sb.Append('\n');
            foreach (var (name, module) in _layers)
                sb.Append("  (").Append(name).Append("): ").Append(Describe(module).Replace("\n", "\n  ")).Append('\n');
            return sb.Append(')').ToString();
        }

        /// <summary>PyTorch-style description of any module (TorchLip layers describe themselves). See <see cref="LipschitzBounds.Describe"/>.</summary>
        /// <param name="module">The module.</param>
        public static string Describe(nn.Module module) => LipschitzBounds.Describe(module);
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        // Each list of layers has two overloads: (first, params rest) and (params layers). Beside
        // `using static TorchSharp.torch.nn;`, a call with layers matches TorchSharp's nn.Sequential(params ...) too, and
        // C# prefers, of two candidates expanded from params, the one with more declared parameters: the first overload
        // wins, so Sequential(a, b) builds this container. An array argument matches both (params layers) overloads as
        // they are; that call is ambiguous (CS0121) rather than silently TorchSharp's: write torchlip.Sequential(array).

        /// <summary>A Lipschitz-aware sequential container (children named "0", "1", …).</summary>
        /// <param name="first">The first layer.</param>
        /// <param name="rest">The following layers, in order.</param>
        public static Modules.Sequential Sequential(nn.Module<Tensor, Tensor> first, params nn.Module<Tensor, Tensor>[] rest) => new([first, .. rest]);

        /// <summary>A Lipschitz-aware sequential container (children named "0", "1", …).</summary>
        /// <param name="layers">The layers, in order.</param>
        public static Modules.Sequential Sequential(params nn.Module<Tensor, Tensor>[] layers) => new(layers);

        /// <summary>A Lipschitz-aware sequential container with a global Lipschitz constant.</summary>
        /// <param name="k_coef_lip">Lipschitz constant of the network.</param>
        /// <param name="layers">The layers, in order.</param>
        public static Modules.Sequential Sequential(double k_coef_lip, params nn.Module<Tensor, Tensor>[] layers) => new(layers, k_coef_lip);

        /// <summary>A Lipschitz-aware sequential container with named children.</summary>
        /// <param name="first">The first (name, layer) pair.</param>
        /// <param name="rest">The following (name, layer) pairs, in order.</param>
        public static Modules.Sequential Sequential((string name, nn.Module<Tensor, Tensor> module) first,
            params (string name, nn.Module<Tensor, Tensor> module)[] rest) => new([first, .. rest]);

        /// <summary>A Lipschitz-aware sequential container with named children.</summary>
        /// <param name="layers">(name, layer) pairs, in order.</param>
        public static Modules.Sequential Sequential(params (string name, nn.Module<Tensor, Tensor> module)[] layers) => new(layers);
    }
}
