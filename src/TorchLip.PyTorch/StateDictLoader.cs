using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchLip.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.PyTorch
{
    /// <summary>
    /// Copies a state dictionary read from a file into a module, strictly: every key of the module must be in the file,
    /// every key of the file in the module, with the same shape; otherwise nothing is copied and the error lists every
    /// missing key, every unexpected key and every shape that differs, with the likely cause.
    /// </summary>
    internal static class StateDictLoader
    {
        /// <summary>Checks <paramref name="source"/> against <paramref name="module"/>'s state, then copies it in (dtype converted as PyTorch does).</summary>
        /// <param name="module">The module to load into.</param>
        /// <param name="source">Key → tensor, as read from the file (already renamed to the module's keys).</param>
        /// <param name="file">The file, for the message.</param>
        /// <param name="notProvided">Keys of the module the caller fills itself (they are not expected in <paramref name="source"/>).</param>
        /// <exception cref="InvalidDataException">Keys or shapes differ; the message names them.</exception>
        public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string file, ISet<string>? notProvided = null)
        {
            var state = module.state_dict();
            var missing = state.Keys.Where(k => !source.ContainsKey(k) && notProvided?.Contains(k) != true).Order(KeyOrder.Instance).ToList();
            var unexpected = source.Keys.Where(k => !state.ContainsKey(k)).Order(KeyOrder.Instance).ToList();
            var shapes = source.Where(kv => state.TryGetValue(kv.Key, out var target) && !target.shape.SequenceEqual(kv.Value.shape))
                .Select(kv => (kv.Key, Expected: state[kv.Key].shape, Found: kv.Value.shape)).ToList();
            var kinds = source.Where(kv => state.TryGetValue(kv.Key, out var target) && target.is_floating_point() != kv.Value.is_floating_point())
                .Select(kv => (kv.Key, Expected: state[kv.Key].dtype, Found: kv.Value.dtype)).ToList();
            if (missing.Count + unexpected.Count + shapes.Count + kinds.Count > 0)
                throw new InvalidDataException(Describe(file, missing, unexpected, shapes, kinds));
            using (torch.no_grad())
                foreach (var (key, tensor) in source)
                    state[key].copy_(tensor);
            LipschitzModule.NotifyTree(module);
        }

        private static string Describe(string file, List<string> missing, List<string> unexpected,
            List<(string Key, long[] Expected, long[] Found)> shapes, List<(string Key, ScalarType Expected, ScalarType Found)> kinds)
        {
            var sb = new StringBuilder($"{file} does not fit the model; nothing was loaded.");
            if (missing.Count > 0) sb.Append("\n  missing from the file: ").Append(string.Join(", ", missing));
            if (unexpected.Count > 0) sb.Append("\n  in the file but not in the model: ").Append(string.Join(", ", unexpected));
            foreach (var (key, expected, found) in shapes)
                sb.Append($"\n  {key}: the model's tensor has shape {Shape(expected)}, the file's {Shape(found)}");
            foreach (var (key, expected, found) in kinds)
                sb.Append($"\n  {key}: the model's tensor is {expected}, the file's {found}");
            foreach (var cause in LikelyCauses(missing, unexpected, shapes.Count > 0))
                sb.Append("\n  likely cause: ").Append(cause);
            return sb.ToString();
        }

        private static IEnumerable<string> LikelyCauses(List<string> missing, List<string> unexpected, bool shapesDiffer)
        {
            if (unexpected.Any(k => k.Contains(".parametrizations.weight.", StringComparison.Ordinal) || k.StartsWith("parametrizations.weight.", StringComparison.Ordinal)))
                yield return "the file is a deel-torchlip state_dict (parametrizations.weight.* keys): import it into the Lipschitz model with pytorch.load_deel_torchlip(model, path).";
            if (missing.Any(k => k.EndsWith(ConstrainedModule.RawWeightName, StringComparison.Ordinal)))
                yield return "the model is a TorchLip Lipschitz model (weight_orig keys) and the file holds plain weights: load the file into model.vanilla_export(), " +
                             "or a deel-torchlip state_dict with pytorch.load_deel_torchlip(model, path).";
            var missingLeaves = missing.Select(Leaf).OrderBy(s => s, StringComparer.Ordinal).ToList();
            var unexpectedLeaves = unexpected.Select(Leaf).OrderBy(s => s, StringComparer.Ordinal).ToList();
            if (missing.Count > 0 && missingLeaves.SequenceEqual(unexpectedLeaves))
                yield return $"the layers are named or numbered differently (the model has {Prefixes(missing)}, the file {Prefixes(unexpected)}): build the model with the same layers " +
                             "in the same order; nn.Sequential numbers every child, those without state too (ReLU, Flatten, pooling), so a missing or extra activation shifts the numbers.";
            else if (missing.Count > 0 || unexpected.Count > 0)
                yield return "the model and the file have different layers: compare the model's keys with the file's (pytorch.read_pth / read_safetensors list them).";
            if (shapesDiffer)
                yield return "a layer has other sizes in the file (in/out features or channels, kernel size): build the model with the sizes the file was trained with.";
        }

        private static string Leaf(string key) => key[(key.IndexOf('.') + 1)..];

        private static string Prefixes(List<string> keys) =>
            "{" + string.Join(", ", keys.Select(k => k.Contains('.') ? k[..k.IndexOf('.')] : "(root)").Distinct()) + "}";

        private static string Shape(long[] shape) => "(" + string.Join(", ", shape) + ")";
    }
}
