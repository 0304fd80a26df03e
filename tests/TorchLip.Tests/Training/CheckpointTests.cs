using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using TorchLip.Serialization;
using TorchLip.Tests.Cli;
using TorchLip.Training;
using TorchLip.Training.Metrics;
using TorchSharp;
using Xunit;
using static TorchLip.torchlip;
using static TorchSharp.torch;

namespace TorchLip.Tests.Training;

/// <summary>
/// Checkpoints: an exact round trip, a resumed <see cref="Trainer.Fit"/> equal bit for bit to an uninterrupted one,
/// refusal of truncated or corrupt files, atomic writes, and load errors that name what differs.
/// </summary>
/// <remarks>In the solo collection: restoring a checkpoint sets torch's process-wide generator.</remarks>
[Collection(SoloCollection.Name)]
public class CheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "torchlip-checkpoint-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests()
    {
        torch.set_num_threads(1);
        Directory.CreateDirectory(_folder);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name) => Path.Combine(_folder, name);

    private static (Tensor X, Tensor Y) Blobs(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        var y = where(rand(n, 1, generator: g) < 0.5, 1f, -1f);
        var x = randn(n, 2, generator: g) * 0.5 + cat(new[] { y * 2, zeros(n, 1) }, 1);
        return (x, y);
    }

    private sealed class Run : IDisposable
    {
        public Run(long seed, (Tensor X, Tensor Y) data, (Tensor X, Tensor Y) validation)
        {
            manual_seed(seed);
            Model = TutorialNetwork.Create(2, new long[] { 16, 8 }, flatten: false);
            Optimizer = torchlip.Adam(Model.parameters(), lr: 1e-2);
            Trainer = new Trainer(Model, Optimizer, (o, t) => hkr_loss(o, t, 10, 0.5), new IMetric[] { new KRMetric(), new BinaryAccuracy() });
            Batches = new BatchIterator(data.X, data.Y, 32, seed: 7);
            Validation = validation;
        }

        public TorchLip.Modules.Sequential Model { get; }
        public optim.Optimizer Optimizer { get; }
        public Trainer Trainer { get; }
        public BatchIterator Batches { get; }
        public (Tensor X, Tensor Y) Validation { get; }

        public IReadOnlyList<EpochRecord> Fit(int epochs, int first = 1) => Trainer.Fit(Batches, epochs, Validation, firstEpoch: first);

        public void Save(string path, IReadOnlyList<EpochRecord> records, string? metadata = null) =>
            Checkpoint.Save(path, Model, Optimizer, records[^1].Epoch, records, Batches.Generators, metadata);

        public void Dispose()
        {
            Batches.Dispose();
            Optimizer.Dispose();
            Model.Dispose();
        }
    }

    private static void AssertSameState(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (key, tensor) in a)
            Assert.True(BitEqual(tensor, b[key]), $"'{key}' differs");
    }

    private static bool BitEqual(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.contiguous().bytes.SequenceEqual(b.contiguous().bytes);

    private static void AssertSameFigures(EpochRecord expected, EpochRecord actual)
    {
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.Train.OrderBy(kv => kv.Key), actual.Train.OrderBy(kv => kv.Key));
        Assert.Equal(expected.Validation!.OrderBy(kv => kv.Key), actual.Validation!.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void AResumedFitEqualsAnUninterruptedOneBitForBit()
    {
        var data = Blobs(200, 1);
        var validation = Blobs(100, 2);
        using var whole = new Run(0, data, validation);
        var uninterrupted = whole.Fit(3);

        using (var first = new Run(0, data, validation))
        {
            var records = first.Fit(1);
            first.Save(File("a.ckpt"), records);
        }
        // Other draws from torch's generator in between, and a differently initialised model: all overwritten by the restore.
        using var resumed = new Run(5, data, validation);
        _ = randn(100);
        var checkpoint = Checkpoint.Load(File("a.ckpt"));
        checkpoint.RestoreModel(resumed.Model);
        checkpoint.RestoreOptimizer(resumed.Optimizer);
        checkpoint.RestoreGenerators(resumed.Batches.Generators);
        var rest = resumed.Fit(3, first: checkpoint.Epoch + 1);

        Assert.Equal(new[] { 2, 3 }, rest.Select(r => r.Epoch));
        AssertSameFigures(uninterrupted[0], checkpoint.Epochs[0]);
        AssertSameFigures(uninterrupted[1], rest[0]);
        AssertSameFigures(uninterrupted[2], rest[1]);
        AssertSameState(whole.Model, resumed.Model);
        // The optimizer's moments too: one more identical step keeps the models equal.
        var (x, y) = Blobs(32, 9);
        whole.Trainer.Step(x, y);
        resumed.Trainer.Step(x, y);
        AssertSameState(whole.Model, resumed.Model);
    }

    [Fact]
    public void TheRoundTripIsExact()
    {
        var data = Blobs(200, 1);
        using var run = new Run(0, data, Blobs(50, 2));
        var records = run.Fit(2);
        run.Save(File("a.ckpt"), records, """{"command": "test", "options": {"width": 16}}""");
        var stateBefore = run.Batches.Generator.get_state();
        var globalBefore = torch.random.get_rng_state();

        using var other = new Run(3, data, Blobs(50, 2));
        _ = randn(10);
        _ = randperm(10, generator: other.Batches.Generator);
        var checkpoint = Checkpoint.Load(File("a.ckpt"));
        checkpoint.RestoreModel(other.Model);
        checkpoint.RestoreOptimizer(other.Optimizer);
        checkpoint.RestoreGenerators(other.Batches.Generators);

        AssertSameState(run.Model, other.Model);
        Assert.True(BitEqual(other.Batches.Generator.get_state(), stateBefore));
        Assert.True(BitEqual(torch.random.get_rng_state(), globalBefore));
        Assert.Equal(2, checkpoint.Epoch);
        Assert.Equal(2, checkpoint.Epochs.Count);
        for (int i = 0; i < 2; i++) AssertSameFigures(records[i], checkpoint.Epochs[i]);
        Assert.Equal(records[1].TrainSeconds, checkpoint.Epochs[1].TrainSeconds);
        Assert.Contains("\"width\":16", checkpoint.Metadata!.Replace(" ", ""));
        Assert.Equal(run.Model.state_dict().Keys, checkpoint.ModelEntries.Select(e => e.Key));
        // Adam's moments and step counts, byte for byte: the two optimizers save the same state.
        Assert.Equal(OptimizerBytes(run.Optimizer), OptimizerBytes(other.Optimizer));
    }

    private static byte[] OptimizerBytes(optim.Optimizer optimizer)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
            ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
        return memory.ToArray();
    }

    [Fact]
    public void ATruncatedOrCorruptCheckpointIsRefusedNamingTheFile()
    {
        using var run = new Run(0, Blobs(100, 1), Blobs(50, 2));
        run.Save(File("a.ckpt"), run.Fit(1));
        var bytes = System.IO.File.ReadAllBytes(File("a.ckpt"));

        foreach (int length in new[] { bytes.Length / 2, bytes.Length - 10, 100, 0 })
        {
            System.IO.File.WriteAllBytes(File("cut.ckpt"), bytes.Take(length).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(File("cut.ckpt")));
            Assert.Contains(File("cut.ckpt"), e.Message);
        }

        // An entry altered inside an intact archive: its hash no longer matches.
        System.IO.File.Copy(File("a.ckpt"), File("altered.ckpt"));
        using (var zip = ZipFile.Open(File("altered.ckpt"), ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("rng/torch.bin")!;
            byte[] state;
            using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); state = m.ToArray(); }
            state[100] ^= 1;
            entry.Delete();
            using var w = zip.CreateEntry("rng/torch.bin").Open();
            w.Write(state);
        }
        var altered = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(File("altered.ckpt")));
        Assert.Contains("rng/torch.bin", altered.Message);
        Assert.Contains("SHA-256", altered.Message);

        // A zip without the manifest (the marker written last) is incomplete.
        using (var zip = ZipFile.Open(File("altered.ckpt"), ZipArchiveMode.Update)) zip.GetEntry("manifest.json")!.Delete();
        Assert.Contains("no manifest.json", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(File("altered.ckpt"))).Message);
    }

    [Fact]
    public void AWriteThatFailsMidwayLeavesThePreviousCheckpointLoadable()
    {
        using var run = new Run(0, Blobs(100, 1), Blobs(50, 2));
        var first = run.Fit(1);
        run.Save(File("a.ckpt"), first);
        var records = first.Concat(run.Fit(2, first: 2)).ToList();

        // Checkpoint.Save writes through AtomicFile: a writer that dies after half of the new checkpoint's bytes.
        run.Save(File("b.ckpt"), records);
        var next = System.IO.File.ReadAllBytes(File("b.ckpt"));
        System.IO.File.Delete(File("b.ckpt"));
        var crash = Assert.Throws<IOException>(() => AtomicFile.Write(File("a.ckpt"), stream =>
        {
            stream.Write(next, 0, next.Length / 2);
            throw new IOException("simulated crash");
        }));
        Assert.Equal("simulated crash", crash.Message);

        var checkpoint = Checkpoint.Load(File("a.ckpt"));
        Assert.Equal(1, checkpoint.Epoch);
        Assert.Single(checkpoint.Epochs);
        Assert.Equal(new[] { "a.ckpt" }, Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName));

        // A temporary file left by a killed writer is never read in place of the checkpoint.
        System.IO.File.WriteAllBytes(File(AtomicFile.TemporaryPrefix + "a.ckpt-dead"), new byte[] { 1, 2, 3 });
        Assert.Equal(1, Checkpoint.Load(File("a.ckpt")).Epoch);
    }

    [Fact]
    public void AWarmStartFileInClassicLayersNamesTheKeysAndTheCause()
    {
        manual_seed(0);
        using var warm = torchlip.Sequential(SpectralLinear(4, 8), GroupSort2(), SpectralLinear(8, 2));
        using var classic = torchlip.Sequential(SpectralLinear(4, 8, warm_start: false), GroupSort2(), SpectralLinear(8, 2, warm_start: false));
        warm.save(File("warm.dat"));
        classic.save(File("classic.dat"));

        var e = Assert.Throws<ArgumentException>(() => load_state_dict(classic, File("warm.dat")));
        Assert.Contains("'0.u'", e.Message);
        Assert.Contains("'0.v'", e.Message);
        Assert.Contains("'0.preconditioner'", e.Message);
        Assert.Contains("warm_start: true (the default)", e.Message);
        Assert.Contains(File("warm.dat"), e.Message);

        e = Assert.Throws<ArgumentException>(() => load_state_dict(warm, File("classic.dat")));
        Assert.Contains("written by layers with warm_start: false", e.Message);

        // strict: false keeps the weights and leaves the constraint state of the model.
        var before = classic.state_dict()["0.u"].clone();
        load_state_dict(classic, File("warm.dat"), strict: false);
        Assert.True(BitEqual(classic.state_dict()["0.weight_orig"], warm.state_dict()["0.weight_orig"]));
        Assert.True(BitEqual(classic.state_dict()["0.u"], before));
    }

    [Fact]
    public void AnotherArchitectureNamesTheLayerAndTheShapes()
    {
        manual_seed(0);
        using var saved = torchlip.Sequential(SpectralLinear(4, 8), GroupSort2(), SpectralLinear(8, 2));
        using var wider = torchlip.Sequential(SpectralLinear(4, 6), GroupSort2(), SpectralLinear(6, 2));
        saved.save(File("model.dat"));
        var original = wider.state_dict()["0.weight_orig"].clone();

        var e = Assert.Throws<ArgumentException>(() => load_state_dict(wider, File("model.dat")));
        Assert.Contains("'0.weight_orig' is Float32 [8, 4] in the file but Float32 [6, 4] in the model (layer '0': SpectralLinear)", e.Message);
        Assert.Contains("'2.weight_orig'", e.Message);
        Assert.Contains("another architecture", e.Message);
        // Nothing was loaded.
        Assert.True(BitEqual(wider.state_dict()["0.weight_orig"], original));

        // The same file into the right model loads exactly.
        using var same = torchlip.Sequential(SpectralLinear(4, 8), GroupSort2(), SpectralLinear(8, 2));
        load_state_dict(same, File("model.dat"));
        AssertSameState(saved, same);
    }

    [Fact]
    public void ATruncatedStateDictNamesTheFile()
    {
        using var model = torchlip.Sequential(SpectralLinear(4, 8), GroupSort2(), SpectralLinear(8, 2));
        save_state_dict(model, File("model.dat"));
        var bytes = System.IO.File.ReadAllBytes(File("model.dat"));
        System.IO.File.WriteAllBytes(File("cut.dat"), bytes.Take(bytes.Length - 7).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => load_state_dict(model, File("cut.dat")));
        Assert.Contains(File("cut.dat"), e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Throws<FileNotFoundException>(() => load_state_dict(model, File("none.dat")));
        // save_state_dict writes what model.save writes.
        model.save(File("plain.dat"));
        Assert.Equal(System.IO.File.ReadAllBytes(File("plain.dat")), bytes);
    }

    [Fact]
    public void FitRefusesALastEpochBeforeTheFirst()
    {
        using var run = new Run(0, Blobs(100, 1), Blobs(50, 2));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => run.Fit(2, first: 3));
        Assert.Contains("before the first one to train (3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => run.Fit(2, first: 0));
    }
}
