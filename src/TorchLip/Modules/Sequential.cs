using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A sequential container that knows about Lipschitz constants: it warns about children that are not Lipschitz
    /// layers, spreads its <c>k_coef_lip</c> over its Lipschitz children (each gets K^(1/n), weight layers
    /// included, so the network is K-Lipschitz — deel-torchlip 1.x only reaches activations), and exports to a
    /// plain TorchSharp <c>nn.Sequential</c> with the same child names.
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
                    Warnings.Warn("Sequential model contains a layer which is not a Lipschitz layer: " + Describe(module));
            }
            OnConstraintChanged();
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

        /// <summary>Shares <see cref="LipschitzModule.lipschitz_constant"/> equally (geometrically) among the Lipschitz children.</summary>
        protected override void OnConstraintChanged()
        {
            var lipschitz = _layers.Select(l => l.module).OfType<LipschitzModule>().ToList();
            if (lipschitz.Count == 0) return;
            double share = Math.Pow(lipschitz_constant, 1.0 / lipschitz.Count);
            foreach (var child in lipschitz) child.SetContainerFactor(share);
        }

        /// <summary>
        /// A plain <c>nn.Sequential</c> with the same child names: Lipschitz children are replaced by their export
        /// (weight layers become <c>nn.Linear</c> with the effective weights); other children are shared, not copied.
        /// </summary>
        public override nn.Module<Tensor, Tensor> vanilla_export()
        {
            var children = _layers.Select(l => (l.name, l.module is LipschitzModule lm ? lm.vanilla_export() : l.module)).ToArray();
            return nn.Sequential(children);
        }

        /// <summary>A PyTorch-style multi-line description of the network.</summary>
        public override string ToString()
        {
            var sb = new StringBuilder("Sequential(");
            if (lipschitz_constant != 1.0 || k_coef_lip != 1.0) sb.Append("k_coef_lip=").Append(Repr.Number(k_coef_lip));
            sb.Append('\n');
            foreach (var (name, module) in _layers)
                sb.Append("  (").Append(name).Append("): ").Append(Describe(module).Replace("\n", "\n  ")).Append('\n');
            return sb.Append(')').ToString();
        }

        /// <summary>PyTorch-style description of any module (TorchLip layers describe themselves).</summary>
        /// <param name="module">The module.</param>
        public static string Describe(nn.Module module) => module switch
        {
            LipschitzModule lm => lm.ToString(),
            TorchSharp.Modules.Flatten f => $"Flatten(start_dim={f.start_dim}, end_dim={f.end_dim})",
            TorchSharp.Modules.Linear l => $"Linear(in_features={l.in_features}, out_features={l.out_features}, bias={Repr.Bool(l.bias is not null)})",
            _ => module.GetName() + "()",
        };
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>A Lipschitz-aware sequential container (children named "0", "1", …).</summary>
        /// <param name="layers">The layers, in order.</param>
        public static Modules.Sequential Sequential(params nn.Module<Tensor, Tensor>[] layers) => new(layers);

        /// <summary>A Lipschitz-aware sequential container with a global Lipschitz constant.</summary>
        /// <param name="k_coef_lip">Lipschitz constant of the network.</param>
        /// <param name="layers">The layers, in order.</param>
        public static Modules.Sequential Sequential(double k_coef_lip, params nn.Module<Tensor, Tensor>[] layers) => new(layers, k_coef_lip);

        /// <summary>A Lipschitz-aware sequential container with named children.</summary>
        /// <param name="layers">(name, layer) pairs, in order.</param>
        public static Modules.Sequential Sequential(params (string name, nn.Module<Tensor, Tensor> module)[] layers) => new(layers);
    }
}
