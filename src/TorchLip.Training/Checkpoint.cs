using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TorchLip.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>
/// Everything a training run needs to continue bit for bit: the model's state dict, the optimizer's state, the epoch,
/// the state of every generator (torch's global one and the batch sources'), the epoch records so far, and free JSON
/// metadata (e.g. the command and options that rebuild the architecture).
/// </summary>
/// <remarks>
/// The file is a zip archive: <c>model.dat</c> (TorchSharp's <c>module.save</c> format, loadable alone),
/// <c>optimizer.dat</c> (TorchSharp's <c>save_state_dict</c>), <c>rng/torch.bin</c> and <c>rng/N.bin</c> (generator
/// states), and <c>manifest.json</c> (epoch, records, metadata, the model's keys and shapes, and the SHA-256 of every
/// other entry), written last. <see cref="Save"/> writes it atomically (<see cref="AtomicFile"/>); <see cref="Load"/>
/// refuses a file whose manifest is missing or whose entries do not match their hashes, naming the file.
/// </remarks>
public sealed class Checkpoint
{
    /// <summary>The format's name in the manifest.</summary>
    public const string FormatName = "torchlip-checkpoint";

    /// <summary>The format's version.</summary>
    public const int FormatVersion = 1;

    private const string ManifestEntry = "manifest.json", ModelEntry = "model.dat", OptimizerEntry = "optimizer.dat", TorchRngEntry = "rng/torch.bin";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private readonly Dictionary<string, byte[]> _entries;
    private readonly string? _optimizerType;
    private readonly int _generatorCount;

    private Checkpoint(string path, Dictionary<string, byte[]> entries, int epoch, IReadOnlyList<EpochRecord> epochs, string? metadata,
        IReadOnlyList<StateDictFile.Entry> modelEntries, string? optimizerType, int generatorCount)
    {
        (Path, _entries, Epoch, Epochs, Metadata, ModelEntries, _optimizerType, _generatorCount) =
            (path, entries, epoch, epochs, metadata, modelEntries, optimizerType, generatorCount);
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>The last epoch trained (0 before the first).</summary>
    public int Epoch { get; }

    /// <summary>The records of the epochs trained so far, in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs { get; }

    /// <summary>The JSON metadata given to <see cref="Save"/>, or null.</summary>
    public string? Metadata { get; }

    /// <summary>The model's state-dict keys, dtypes and shapes.</summary>
    public IReadOnlyList<StateDictFile.Entry> ModelEntries { get; }

    /// <summary>Writes a checkpoint to <paramref name="path"/>, atomically (the previous file stays whole until the new one is complete).</summary>
    /// <param name="path">The file.</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">Its optimizer, or null.</param>
    /// <param name="epoch">The last epoch trained.</param>
    /// <param name="epochs">The records of the epochs trained so far.</param>
    /// <param name="generators">The batch sources' generators (<see cref="IBatchSource.Generators"/>); torch's global one is always saved.</param>
    /// <param name="metadata">JSON text to keep with it (a command and its options), or null.</param>
    /// <exception cref="ArgumentException">The metadata is not JSON, or the epoch is negative.</exception>
    public static void Save(string path, nn.Module model, optim.Optimizer? optimizer, int epoch, IReadOnlyList<EpochRecord> epochs,
        IReadOnlyList<Generator>? generators = null, string? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(epochs);
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "Checkpoint.Save: the epoch must be >= 0.");
        JsonNode? meta;
        try
        {
            meta = metadata is null ? null : JsonNode.Parse(metadata);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Checkpoint.Save: the metadata must be JSON text: {e.Message}", nameof(metadata), e);
        }
        generators ??= Array.Empty<Generator>();

        var entries = new List<(string Name, byte[] Bytes)>
        {
            (ModelEntry, Bytes(writer => model.save(writer))),
        };
        if (optimizer is not null) entries.Add((OptimizerEntry, Bytes(writer => Helper(optimizer).save_state_dict(writer))));
        entries.Add((TorchRngEntry, StateBytes(torch.random.get_rng_state())));
        for (int i = 0; i < generators.Count; i++) entries.Add(($"rng/{i}.bin", StateBytes(generators[i].get_state())));

        var manifest = new JsonObject
        {
            ["format"] = FormatName,
            ["version"] = FormatVersion,
            ["epoch"] = epoch,
            ["epochs"] = JsonSerializer.SerializeToNode(epochs, Json),
            ["metadata"] = meta,
            ["model"] = new JsonArray(model.state_dict().Select(kv => (JsonNode)new JsonObject
            {
                ["key"] = kv.Key,
                ["dtype"] = kv.Value.dtype.ToString(),
                ["shape"] = new JsonArray(kv.Value.shape.Select(s => (JsonNode)s).ToArray()),
            }).ToArray()),
            ["optimizer"] = optimizer?.GetType().Name,
            ["generators"] = generators.Count,
            ["sha256"] = new JsonObject(entries.Select(e => KeyValuePair.Create(e.Name, (JsonNode?)Hash(e.Bytes)))),
        };
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, bytes) in entries) Add(zip, name, bytes);
            // Written last: a file cut anywhere before it has no manifest and does not load.
            Add(zip, ManifestEntry, Encoding.UTF8.GetBytes(manifest.ToJsonString(Json)));
        });
    }

    /// <summary>Reads and verifies a checkpoint (nothing is applied until a <c>Restore</c> call).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt, incomplete or not a checkpoint; the message names it.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint: there is no checkpoint file '{path}'.", path);
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                entries[entry.FullName] = copy.ToArray();
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' is corrupt or truncated (the write was probably interrupted): {e.Message}", e);
        }
        if (!entries.TryGetValue(ManifestEntry, out var manifestBytes))
            throw new InvalidDataException($"Checkpoint '{path}' has no {ManifestEntry}: it is incomplete or not a TorchLip checkpoint.");
        try
        {
            var manifest = JsonNode.Parse(manifestBytes)?.AsObject() ?? throw new InvalidDataException("the manifest is empty");
            if ((string?)manifest["format"] != FormatName) throw new InvalidDataException($"it is not a {FormatName} file");
            int version = (int?)manifest["version"] ?? -1;
            if (version != FormatVersion) throw new InvalidDataException($"its format version is {version}, this library reads version {FormatVersion}");
            var hashes = manifest["sha256"]?.AsObject() ?? throw new InvalidDataException("the manifest lists no hashes");
            foreach (var (name, hash) in hashes)
            {
                if (!entries.TryGetValue(name, out var bytes)) throw new InvalidDataException($"entry '{name}' is missing");
                if (Hash(bytes) != (string?)hash) throw new InvalidDataException($"entry '{name}' does not match its SHA-256");
            }
            if (!hashes.ContainsKey(ModelEntry) || !hashes.ContainsKey(TorchRngEntry)) throw new InvalidDataException("the model or the generator state is missing");
            var epochs = manifest["epochs"].Deserialize<List<EpochRecord>>(Json) ?? new List<EpochRecord>();
            var model = manifest["model"]!.AsArray().Select(n => new StateDictFile.Entry((string)n!["key"]!,
                Enum.Parse<ScalarType>((string)n["dtype"]!), n["shape"]!.AsArray().Select(s => (long)s!).ToArray())).ToList();
            int generators = (int?)manifest["generators"] ?? 0;
            for (int i = 0; i < generators; i++)
                if (!hashes.ContainsKey($"rng/{i}.bin")) throw new InvalidDataException($"generator {i}'s state is missing");
            return new Checkpoint(path, entries, (int)manifest["epoch"]!, epochs, manifest["metadata"]?.ToJsonString(), model,
                (string?)manifest["optimizer"], generators);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or NullReferenceException or InvalidDataException)
        {
            throw new InvalidDataException($"Checkpoint '{path}' cannot be read: {e.Message}.", e);
        }
    }

    /// <summary>Loads the model's state dict, after checking that its keys and shapes are the model's (the error names what differs).</summary>
    /// <param name="model">The model, built with the architecture that wrote the checkpoint.</param>
    /// <param name="strict">Require the same keys.</param>
    /// <exception cref="ArgumentException">The state dict does not fit the model.</exception>
    public void RestoreModel(nn.Module model, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var stream = new MemoryStream(_entries[ModelEntry], writable: false);
        StateDictFile.Load(model, stream, $"{Path} ({ModelEntry})", strict);
    }

    /// <summary>Loads the optimizer's state (moments, step counts, each parameter group's options such as the learning rate).</summary>
    /// <param name="optimizer">An optimizer of the same type over the restored model's parameters.</param>
    /// <exception cref="ArgumentException">The checkpoint has no optimizer state, or it does not fit.</exception>
    public void RestoreOptimizer(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!_entries.TryGetValue(OptimizerEntry, out var bytes))
            throw new ArgumentException($"Checkpoint '{Path}' holds no optimizer state (it was saved without an optimizer).", nameof(optimizer));
        if (_optimizerType != optimizer.GetType().Name)
            throw new ArgumentException($"Checkpoint '{Path}' holds the state of a {_optimizerType} optimizer, not of a {optimizer.GetType().Name}; create the optimizer the run used.", nameof(optimizer));
        using var reader = new BinaryReader(new MemoryStream(bytes, writable: false));
        try
        {
            Helper(optimizer).load_state_dict(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or EndOfStreamException)
        {
            throw new ArgumentException($"The optimizer state in '{Path}' does not fit this optimizer ({e.Message}): create it over the parameters of the model the checkpoint restores, in the same order.", nameof(optimizer), e);
        }
    }

    /// <summary>Restores torch's global generator and <paramref name="generators"/> (the same list, in the same order, as saved).</summary>
    /// <param name="generators">The batch sources' generators.</param>
    /// <exception cref="ArgumentException">Their number differs from the saved one.</exception>
    public void RestoreGenerators(IReadOnlyList<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        if (generators.Count != _generatorCount)
            throw new ArgumentException($"Checkpoint '{Path}' holds {_generatorCount} batch-source generator states, {generators.Count} were given: restore into the same batch source.", nameof(generators));
        using (var state = torch.tensor(_entries[TorchRngEntry]))
            torch.random.set_rng_state(state);
        for (int i = 0; i < generators.Count; i++)
        {
            using var state = torch.tensor(_entries[$"rng/{i}.bin"]);
            generators[i].set_state(state);
        }
    }

    private static TorchSharp.Modules.OptimizerHelper Helper(optim.Optimizer optimizer) => optimizer as TorchSharp.Modules.OptimizerHelper
        ?? throw new ArgumentException($"Checkpoint: the optimizer {optimizer.GetType().Name} cannot save its state (only TorchSharp's managed optimizers, such as torchlip.Adam, can).", nameof(optimizer));

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true)) write(writer);
        return memory.ToArray();
    }

    private static byte[] StateBytes(Tensor state)
    {
        using (state) return state.data<byte>().ToArray();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        stream.Write(bytes);
    }
}
