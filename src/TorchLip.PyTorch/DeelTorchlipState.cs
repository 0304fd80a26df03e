using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using TorchLip.Constraints;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.PyTorch
{
    /// <summary>
    /// The key mapping between deel-torchlip 1.0.5's state_dict (torch parametrizations) and TorchLip's (the README's
    /// "State-dict keys" table): <c>P.parametrizations.weight.original</c> ↔ <c>P.weight_orig</c>,
    /// <c>P.parametrizations.weight.0._u</c>/<c>_v</c> ↔ <c>P.u</c>/<c>P.v</c> (layers with <c>warm_start: false</c>),
    /// <c>P.parametrizations.weight.1._w_bjorck</c> (deel-torchlip's cached Björck result) dropped on import and rebuilt on
    /// export, <c>P.preconditioner</c> (the warm start) initialised on import and dropped on export; every other key as is.
    /// </summary>
    internal static partial class DeelTorchlipState
    {
        private const string Parametrization = "parametrizations.weight.";
        private const string Original = "original";

        [GeneratedRegex(@"^(\d+)\._(u|v|w_bjorck)$")]
        private static partial Regex StateOfParametrization();

        /// <summary>What a deel-torchlip file's keys become in <paramref name="model"/>, and the model's keys the import initialises.</summary>
        public static (Dictionary<string, Tensor> Mapped, HashSet<string> Initialised) Import(nn.Module model, IReadOnlyDictionary<string, Tensor> source, string file)
        {
            var state = model.state_dict();
            var layers = ConstrainedLayers(model);
            var mapped = new Dictionary<string, Tensor>();
            var problems = new List<string>();
            var spectralInFile = new HashSet<string>();
            foreach (var (key, tensor) in source)
            {
                int at = key.IndexOf(Parametrization, StringComparison.Ordinal);
                if (at < 0 || (at > 0 && key[at - 1] != '.'))
                {
                    mapped[key] = tensor;
                    continue;
                }
                var prefix = key[..at];
                var rest = key[(at + Parametrization.Length)..];
                if (rest == Original)
                {
                    mapped[prefix + ConstrainedModule.RawWeightName] = tensor;
                    continue;
                }
                var match = StateOfParametrization().Match(rest);
                if (!match.Success)
                {
                    problems.Add($"{key}: state of a deel-torchlip parametrization TorchLip does not import (it knows original, _u, _v and _w_bjorck)");
                    continue;
                }
                var name = match.Groups[2].Value;
                if (name == "w_bjorck") continue;   // deel-torchlip's cache of the Björck result: the layer recomputes it
                spectralInFile.Add(prefix);
                if (state.ContainsKey(prefix + name)) mapped[prefix + name] = tensor;
                else if (!layers.ContainsKey(prefix))
                    problems.Add($"{key}: the model's layer {Layer(prefix)} is not a TorchLip constrained layer; build the model with the deel-torchlip model's layer kinds");
                // A warm-start layer has no u, v: they are dropped and its preconditioner starts from the imported weight
                // (a layer of another kind is named below).
            }
            foreach (var (prefix, layer) in layers)
            {
                bool spectralLayer = IsSpectral(layer);
                if (spectralLayer != spectralInFile.Contains(prefix) && source.Keys.Any(k => k.StartsWith(prefix + Parametrization, StringComparison.Ordinal)))
                    problems.Add(spectralLayer
                        ? $"layer {Layer(prefix)}: the model's {layer} is spectral, but the file's layer has no power-iteration vectors (_u, _v): it is a deel-torchlip FrobeniusLinear or another normalization; build the model with the same layer kinds"
                        : $"layer {Layer(prefix)}: the model's {layer} is not spectral, but the file's layer has power-iteration vectors (_u, _v): it is a deel-torchlip Spectral layer; build the model with the same layer kinds");
            }
            if (problems.Count > 0)
                throw new InvalidDataException($"{file}: the deel-torchlip state_dict does not fit the model; nothing was loaded.\n  " + string.Join("\n  ", problems));
            var initialised = layers
                .Select(l => l.Key + WarmBjorckOrthonormalization.PreconditionerBuffer)
                .Where(state.ContainsKey)
                .ToHashSet();
            return (mapped, initialised);
        }

        /// <summary>Starts every warm-start layer's preconditioner from its (just imported) raw weight, as a new layer does.</summary>
        public static void InitialiseWarmStarts(nn.Module model, ISet<string> initialised)
        {
            using var noGrad = torch.no_grad();
            foreach (var (prefix, layer) in ConstrainedLayers(model))
                foreach (var (name, initial) in layer.constraint.CreateBuffers(layer.raw_weight))
                    using (initial)
                        if (initialised.Contains(prefix + name))
                            layer.get_buffer(name)!.copy_(initial);
            LipschitzModule.NotifyTree(model);
        }

        /// <summary>The model's state under deel-torchlip 1.0.5's keys (new tensors; the caller disposes them).</summary>
        public static Dictionary<string, Tensor> Export(nn.Module model)
        {
            var layers = ConstrainedLayers(model);
            var result = new Dictionary<string, Tensor>();
            using var noGrad = torch.no_grad();
            foreach (var (key, tensor) in model.state_dict())
            {
                int dot = key.LastIndexOf('.');
                var prefix = dot < 0 ? "" : key[..(dot + 1)];
                var leaf = key[(dot + 1)..];
                if (!layers.TryGetValue(prefix, out var layer))
                    result[key] = tensor.detach().clone();
                else if (leaf == ConstrainedModule.RawWeightName)
                    result[prefix + Parametrization + Original] = tensor.detach().clone();
                else if (leaf == "bias")
                    result[key] = tensor.detach().clone();
                // u, v and the preconditioner are written below, as deel-torchlip's parametrizations hold them.
            }
            foreach (var (prefix, layer) in layers)
            {
                if (!IsSpectral(layer)) continue;
                if (layer is ConstrainedConv { conv_operator.Transposed: true })
                    throw new NotSupportedException($"save_deel_torchlip: layer {Layer(prefix)} {layer} is a transposed convolution; its deel-torchlip state (spectral norm on dim 1) is not written.");
                var (u, v) = layer.get_buffer(SpectralNormalization.LeftBuffer) is { } left && layer.get_buffer(SpectralNormalization.RightBuffer) is { } right
                    ? (left.detach().clone(), right.detach().clone())
                    : TopSingularVectors(layer.raw_weight);
                result[prefix + Parametrization + "0._u"] = u;
                result[prefix + Parametrization + "0._v"] = v;
                // deel-torchlip's cache holds the orthonormalized weight before its conv coefficient and k.
                using var scale = (layer.operator_gain / layer.scale_factor).ToScalar();
                result[prefix + Parametrization + "1._w_bjorck"] = layer.effective_weight().detach().mul(scale);
            }
            return result;
        }

        /// <summary>The constrained layers of <paramref name="model"/> by key prefix ("" for the root, else "name.").</summary>
        public static Dictionary<string, ConstrainedModule> ConstrainedLayers(nn.Module model)
        {
            var result = new Dictionary<string, ConstrainedModule>();
            if (model is ConstrainedModule self) result[""] = self;
            foreach (var (name, module) in model.named_modules())
                if (module is ConstrainedModule layer && name.Length > 0) result[name + "."] = layer;
            return result;
        }

        private static bool IsSpectral(ConstrainedModule layer) =>
            layer.constraint.Stages.Any(s => s is SpectralNormalization or BjorckOrthonormalization or WarmBjorckOrthonormalization);

        // torch's spectral_norm keeps u (out) and v (in) with σ ≈ uᵀ W v; the exact top pair, from a float64 SVD.
        private static (Tensor U, Tensor V) TopSingularVectors(Tensor raw)
        {
            using var scope = torch.NewDisposeScope();
            var matrix = raw.detach().reshape(raw.size(0), -1).to_type(ScalarType.Float64);
            var (u, _, vh) = torch.linalg.svd(matrix, fullMatrices: false);
            return (u[.., 0].to_type(raw.dtype).contiguous().MoveToOuterDisposeScope(), vh[0].to_type(raw.dtype).contiguous().MoveToOuterDisposeScope());
        }

        private static string Layer(string prefix) => prefix.Length == 0 ? "(root)" : "'" + prefix.TrimEnd('.') + "'";
    }
}
