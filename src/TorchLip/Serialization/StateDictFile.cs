using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Serialization
{
    /// <summary>
    /// A state dict in TorchSharp's own format (what <c>module.save(path)</c> writes), loaded with checks that name what
    /// differs: the missing and unexpected keys with their layers, mismatched shapes and types, and the likely cause
    /// (a warm-start file in classic layers, another architecture); a truncated or corrupt file names the file.
    /// </summary>
    /// <remarks>
    /// The format is: the entry count (LEB128), then per entry the key (a .NET <see cref="BinaryWriter"/> string), the
    /// dtype and rank (LEB128), each dimension (LEB128) and the raw bytes. TorchSharp's own <c>load</c> reports only
    /// "Mismatched state_dict sizes" or "Mismatched tensor shape while loading"; the entries are read first here, so the
    /// whole difference is known before any tensor of the model changes.
    /// </remarks>
    public static class StateDictFile
    {
        /// <summary>One entry of a state-dict file: its key, dtype and shape.</summary>
        /// <param name="Key">The state-dict key, e.g. <c>0.weight_orig</c>.</param>
        /// <param name="DType">The element type.</param>
        /// <param name="Shape">The tensor's shape.</param>
        public sealed record Entry(string Key, ScalarType DType, long[] Shape);

        /// <summary>The entries of a state-dict stream, read without loading any tensor; the stream is left after the last entry.</summary>
        /// <param name="stream">A readable, seekable stream positioned at the start of the state dict.</param>
        /// <param name="source">The file's name, for error messages.</param>
        /// <exception cref="InvalidDataException">The stream is truncated or is not a TorchSharp state dict.</exception>
        public static IReadOnlyList<Entry> ReadEntries(Stream stream, string source)
        {
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanSeek) throw new ArgumentException("StateDictFile: the stream must be seekable.", nameof(stream));
            var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            var entries = new List<Entry>();
            try
            {
                long count = Decode(reader);
                if (count > 1_000_000) throw new InvalidDataException($"it declares {count} entries");
                for (long i = 0; i < count; i++)
                {
                    string key = reader.ReadString();
                    long type = Decode(reader);
                    if (!Enum.IsDefined(typeof(ScalarType), (sbyte)type) || type > sbyte.MaxValue)
                        throw new InvalidDataException($"entry '{key}' has an unknown element type {type}");
                    var dtype = (ScalarType)(sbyte)type;
                    long rank = Decode(reader);
                    if (rank > 16) throw new InvalidDataException($"entry '{key}' declares {rank} dimensions");
                    var shape = new long[rank];
                    long elements = 1;
                    for (int d = 0; d < rank; d++)
                    {
                        shape[d] = Decode(reader);
                        elements = checked(elements * shape[d]);
                    }
                    long bytes = checked(elements * dtype.ElementSize());
                    if (stream.Position + bytes > stream.Length)
                        throw new InvalidDataException($"entry '{key}' ({Describe(dtype, shape)}) needs {bytes} bytes, only {stream.Length - stream.Position} are left: the file is truncated");
                    stream.Seek(bytes, SeekOrigin.Current);
                    entries.Add(new Entry(key, dtype, shape));
                }
            }
            catch (Exception e) when (e is EndOfStreamException or OverflowException or InvalidDataException or IOException)
            {
                string why = e is EndOfStreamException ? "the file ends in the middle of an entry (truncated)" : e.Message;
                throw new InvalidDataException($"'{source}' is not a complete TorchSharp state dict: {why} (after {entries.Count} entries). Save it again with model.save(path) or torchlip.save_state_dict.", e);
            }
            return entries;
        }

        /// <summary>
        /// Loads the state dict in <paramref name="stream"/> into <paramref name="model"/> after checking that its keys,
        /// dtypes and shapes are the model's (only the common keys with <paramref name="strict"/> false).
        /// </summary>
        /// <param name="model">The model (its tensors change only when every check passes).</param>
        /// <param name="stream">A readable, seekable stream at the start of the state dict, which ends with it.</param>
        /// <param name="source">The file's name, for error messages.</param>
        /// <param name="strict">Require the same keys; false loads the common keys and leaves the others.</param>
        /// <exception cref="ArgumentException">The file does not fit the model: the message names the keys, layers, shapes and the likely cause.</exception>
        /// <exception cref="InvalidDataException">The file is truncated or corrupt.</exception>
        public static void Load(nn.Module model, Stream stream, string source, bool strict = true)
        {
            ArgumentNullException.ThrowIfNull(model);
            long start = stream.Position;
            var entries = ReadEntries(stream, source);
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"'{source}' holds {stream.Length - stream.Position} bytes after its {entries.Count} entries: it is not a TorchSharp state dict, or it is corrupt.");
            Check(model, entries, source, strict);
            stream.Position = start;
            var skipped = strict ? null : entries.Select(e => e.Key).Where(k => !model.state_dict().ContainsKey(k)).ToList();
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            model.load(reader, strict, skipped);
        }

        /// <summary>Throws a clear <see cref="ArgumentException"/> unless <paramref name="entries"/> fit <paramref name="model"/>.</summary>
        /// <param name="model">The model.</param>
        /// <param name="entries">The file's entries.</param>
        /// <param name="source">The file's name.</param>
        /// <param name="strict">Require the same keys.</param>
        public static void Check(nn.Module model, IReadOnlyList<Entry> entries, string source, bool strict = true)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(entries);
            var expected = model.state_dict().ToDictionary(kv => kv.Key, kv => (kv.Value.dtype, kv.Value.shape));
            var found = entries.ToDictionary(e => e.Key);
            var missing = expected.Keys.Where(k => !found.ContainsKey(k)).ToList();
            var unexpected = entries.Select(e => e.Key).Where(k => !expected.ContainsKey(k)).ToList();
            var problems = new List<string>();
            foreach (var entry in entries)
            {
                if (!expected.TryGetValue(entry.Key, out var want)) continue;
                if (!want.shape.SequenceEqual(entry.Shape) || want.dtype != entry.DType)
                    problems.Add($"'{entry.Key}' is {Describe(entry.DType, entry.Shape)} in the file but {Describe(want.dtype, want.shape)} in the model (layer {LayerOf(model, entry.Key)})");
            }
            if (strict && (missing.Count > 0 || unexpected.Count > 0))
            {
                var parts = new List<string>();
                if (missing.Count > 0) parts.Add($"missing from the file: {Keys(missing)}");
                if (unexpected.Count > 0) parts.Add($"in the file but not in the model: {Keys(unexpected)}");
                problems.Insert(0, string.Join("; ", parts) + $" (the file has {entries.Count} entries, the model {expected.Count})");
            }
            if (problems.Count == 0) return;
            var cause = LikelyCause(model, missing, unexpected, problems.Count - (strict && (missing.Count > 0 || unexpected.Count > 0) ? 1 : 0));
            throw new ArgumentException($"The state dict in '{source}' does not fit the model: {string.Join("; ", problems)}. {cause}");
        }

        private static string LikelyCause(nn.Module model, List<string> missing, List<string> unexpected, int shapeProblems)
        {
            static string Layer(string key) => key.Contains('.') ? key[..key.LastIndexOf('.')] : "";
            static string Name(string key) => key[(key.LastIndexOf('.') + 1)..];
            bool missingPower = missing.Any(k => Name(k) is "u" or "v"), unexpectedWarm = unexpected.Any(k => Name(k) == "preconditioner");
            bool missingWarm = missing.Any(k => Name(k) == "preconditioner"), unexpectedPower = unexpected.Any(k => Name(k) is "u" or "v");
            var sameLayers = new HashSet<string>(missing.Select(Layer));
            sameLayers.IntersectWith(unexpected.Select(Layer));
            if (missingPower && unexpectedWarm && sameLayers.Count > 0)
                return "Likely cause: the file was written by layers with warm_start: true (the default), the model has warm_start: false layers; build the model with warm_start: true, or load with strict: false to keep only the weights (the power-iteration vectors then start afresh).";
            if (missingWarm && unexpectedPower && sameLayers.Count > 0)
                return "Likely cause: the file was written by layers with warm_start: false, the model has warm_start: true layers (the default); build the model with warm_start: false, or load with strict: false to keep only the weights (the preconditioner then starts afresh).";
            if (shapeProblems > 0)
                return "Likely cause: the file was written for another architecture (other widths, channels, kernel sizes or input size); build the model with the options that wrote the file.";
            if (missing.Count > 0 && unexpected.Count > 0)
                return "Likely cause: the file was written for another architecture (other layers or another order); build the model with the options that wrote the file.";
            if (missing.Count > 0)
                return "Likely cause: the file was written by a smaller model (fewer layers, or layers without bias); build the model that wrote it, or load with strict: false.";
            return "Likely cause: the file was written by a larger model (more layers, or layers with bias); build the model that wrote it, or load with strict: false.";
        }

        private static string LayerOf(nn.Module model, string key)
        {
            string layer = key.Contains('.') ? key[..key.LastIndexOf('.')] : "";
            foreach (var (name, module) in model.named_modules())
                if (name == layer) return $"'{name}': {module.GetType().Name}";
            return layer.Length == 0 ? "(the model itself)" : $"'{layer}'";
        }

        private static string Keys(IEnumerable<string> keys)
        {
            var list = keys.ToList();
            string shown = string.Join(", ", list.Take(12).Select(k => $"'{k}'"));
            return list.Count > 12 ? $"{shown} and {list.Count - 12} more" : shown;
        }

        private static string Describe(ScalarType dtype, long[] shape) => $"{dtype} [{string.Join(", ", shape)}]";

        private static long Decode(BinaryReader reader)
        {
            long result = 0;
            for (int i = 0; ; i++)
            {
                if (i > 9) throw new InvalidDataException("a length field is malformed");
                long b = reader.ReadByte();
                result += (b & 0x7f) << (i * 7);
                if ((b & 0x80) == 0) return result;
            }
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Loads a state dict saved by <c>model.save(path)</c> (TorchSharp's format, PyTorch's <c>load_state_dict</c>) into
        /// <paramref name="model"/>, with errors that name the missing and unexpected keys, the layer, the shapes and the
        /// likely cause (e.g. a warm-start file loaded into <c>warm_start: false</c> layers), and name the file when it is
        /// truncated or corrupt.
        /// </summary>
        /// <param name="model">The model, built with the architecture that wrote the file.</param>
        /// <param name="path">The file.</param>
        /// <param name="strict">Require the same keys (PyTorch's default); false loads the common keys.</param>
        /// <returns>The model.</returns>
        /// <exception cref="ArgumentException">The file does not fit the model.</exception>
        /// <exception cref="InvalidDataException">The file is truncated or corrupt.</exception>
        /// <exception cref="FileNotFoundException">There is no such file.</exception>
        public static T load_state_dict<T>(T model, string path, bool strict = true) where T : nn.Module
        {
            ArgumentNullException.ThrowIfNull(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"load_state_dict: there is no file '{path}'.", path);
            using var stream = File.OpenRead(path);
            Serialization.StateDictFile.Load(model, stream, path, strict);
            return model;
        }

        /// <summary>
        /// Saves <paramref name="model"/>'s state dict to <paramref name="path"/> in TorchSharp's format (what
        /// <c>model.save(path)</c> writes), atomically: written to a temporary file in the same folder, flushed to the
        /// disk, then renamed, so a crash never leaves a partial file under <paramref name="path"/>.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="path">The file.</param>
        public static void save_state_dict(nn.Module model, string path)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(path);
            Serialization.AtomicFile.Write(path, stream =>
            {
                using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
                model.save(writer);
            });
        }
    }
}
