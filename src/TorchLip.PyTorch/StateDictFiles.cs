using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace TorchLip.PyTorch
{
    /// <summary>
    /// Reads and writes state dictionaries (key → tensor) as PyTorch <c>.pth</c> files (<c>torch.save</c>'s zip format) and
    /// <c>.safetensors</c> files, through TorchSharp.PyBridge's pickler, unpickler and safetensors reader/writer.
    /// </summary>
    internal static class StateDictFiles
    {
        /// <summary>The tensors of a <c>.pth</c> file (in the caller's dispose scope, if any).</summary>
        public static Dictionary<string, Tensor> ReadPth(string path)
        {
            CheckReadable(path);
            Hashtable table;
            try
            {
                using var stream = File.OpenRead(path);
                table = PyTorchUnpickler.UnpickleStateDict(stream);
            }
            catch (Exception e) when (e is NotImplementedException or InvalidDataException or InvalidCastException or Razorvine.Pickle.PickleException)
            {
                throw new InvalidDataException(
                    $"{path}: not a PyTorch state_dict file: {e.Message} Save it in Python with torch.save(model.state_dict(), path) " +
                    "(a whole model pickled with torch.save(model, path) cannot be read outside Python).", e);
            }
            var result = new Dictionary<string, Tensor>();
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || entry.Value is not Tensor tensor)
                    throw new InvalidDataException($"{path}: entry '{entry.Key}' is not a named tensor ({entry.Value?.GetType().Name ?? "null"}); a state_dict maps names to tensors.");
                result[key] = tensor;
            }
            return result;
        }

        /// <summary>The tensors of a <c>.safetensors</c> file (in the caller's dispose scope, if any).</summary>
        public static Dictionary<string, Tensor> ReadSafetensors(string path)
        {
            CheckReadable(path);
            try
            {
                using var stream = File.OpenRead(path);
                return Safetensors.LoadStateDict(stream);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or NotImplementedException or ArgumentOutOfRangeException or EndOfStreamException)
            {
                throw new InvalidDataException($"{path}: not a safetensors file: {e.Message}", e);
            }
        }

        /// <summary>Writes <paramref name="state"/> as a <c>.pth</c> file <c>torch.load</c> reads (through a temporary file, then a rename).</summary>
        public static void WritePth(IReadOnlyDictionary<string, Tensor> state, string path) =>
            WriteAtomically(path, state, (stream, plain) => PyTorchPickler.PickleStateDict(stream, plain, leaveOpen: true));

        /// <summary>Writes <paramref name="state"/> as a <c>.safetensors</c> file (through a temporary file, then a rename).</summary>
        public static void WriteSafetensors(IReadOnlyDictionary<string, Tensor> state, string path) =>
            WriteAtomically(path, state, (stream, plain) => Safetensors.SaveStateDict(stream, plain, leaveOpen: true));

        // The writers get detached, contiguous CPU copies (offset 0, no gradient flag): what torch.save(model.state_dict())
        // writes. A crash while writing leaves the previous file, never a truncated one.
        private static void WriteAtomically(string path, IReadOnlyDictionary<string, Tensor> state, Action<Stream, Dictionary<string, Tensor>> write)
        {
            ArgumentNullException.ThrowIfNull(state);
            ArgumentException.ThrowIfNullOrEmpty(path);
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full)!;
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{path}: the folder {folder} does not exist; create it first.");
            var temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            using var scope = torch.NewDisposeScope();
            var plain = state.ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().contiguous().clone());
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
                {
                    write(stream, plain);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
            }
            finally
            {
                if (File.Exists(temporary)) File.Delete(temporary);
            }
        }

        private static void CheckReadable(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file.", path);
        }
    }
}
