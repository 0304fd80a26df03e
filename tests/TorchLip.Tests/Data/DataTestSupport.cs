using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using TorchLip.Data;

namespace TorchLip.Tests.Data
{
    /// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory() => Path = Directory.CreateTempSubdirectory("torchlip-data-test-").FullName;

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { }
        }
    }

    internal static class Idx
    {
        public static byte[] Build(int[] dims, byte[] payload, byte type = 0x08)
        {
            var bytes = new byte[4 + 4 * dims.Length + payload.Length];
            bytes[2] = type;
            bytes[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            payload.CopyTo(bytes, 4 + 4 * dims.Length);
            return bytes;
        }

        public static byte[] Gzip(byte[] raw)
        {
            using var buffer = new MemoryStream();
            using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
            return buffer.ToArray();
        }

        public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
    }

    /// <summary>Four small, well-formed MNIST-like files and the SHA-256 table that matches them.</summary>
    internal static class SyntheticMnist
    {
        public static readonly byte[] TrainLabels = { 0, 8, 3, 0, 8, 0 };
        public static readonly byte[] TestLabels = { 8, 0, 8 };

        public static readonly IReadOnlyDictionary<string, byte[]> Files = new Dictionary<string, byte[]>
        {
            [MnistFiles.TrainImagesName] = Images(TrainLabels),
            [MnistFiles.TrainLabelsName] = Idx.Build(new[] { TrainLabels.Length }, TrainLabels),
            [MnistFiles.TestImagesName] = Images(TestLabels),
            [MnistFiles.TestLabelsName] = Idx.Build(new[] { TestLabels.Length }, TestLabels),
        };

        public static readonly IReadOnlyDictionary<string, string> Hashes =
            Files.ToDictionary(kv => kv.Key, kv => Idx.Sha256(kv.Value));

        /// <summary>Pixel j of image i is (label·20 + i + j) mod 256, so images differ and the order is checkable.</summary>
        public static byte[] Images(byte[] labels)
        {
            const int pixels = 28 * 28;
            var payload = new byte[labels.Length * pixels];
            for (int i = 0; i < labels.Length; i++)
                for (int j = 0; j < pixels; j++)
                    payload[i * pixels + j] = (byte)((labels[i] * 20 + i + j) % 256);
            return Idx.Build(new[] { labels.Length, 28, 28 }, payload);
        }

        public static void WriteAll(string directory)
        {
            foreach (var (name, content) in Files) System.IO.File.WriteAllBytes(System.IO.Path.Combine(directory, name), content);
        }
    }

    /// <summary>Serves fixed contents, counting calls per file.</summary>
    internal sealed class FakeSource : IMnistSource
    {
        private readonly IReadOnlyDictionary<string, byte[]> _files;

        public FakeSource(IReadOnlyDictionary<string, byte[]> files, string name = "fake source") { _files = files; Name = name; }

        public string Name { get; }
        public TimeSpan Delay { get; init; }
        public bool Gzip { get; init; }
        public ConcurrentDictionary<string, int> Calls { get; } = new();
        public int TotalCalls => Calls.Values.Sum();

        public string Describe() => Name;

        public bool TryFetch(string fileName, string destinationPath, out string error)
        {
            Calls.AddOrUpdate(fileName, 1, (_, n) => n + 1);
            if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
            if (!_files.TryGetValue(fileName, out var content))
            {
                error = $"{Name} does not have {fileName}";
                return false;
            }
            File.WriteAllBytes(destinationPath, Gzip ? Idx.Gzip(content) : content);
            error = "";
            return true;
        }
    }

    /// <summary>Always fails with a fixed error.</summary>
    internal sealed class FailingSource : IMnistSource
    {
        public FailingSource(string name, string error) { Name = name; Error = error; }

        public string Name { get; }
        public string Error { get; }
        public int Calls;

        public string Describe() => Name;

        public bool TryFetch(string fileName, string destinationPath, out string error)
        {
            Interlocked.Increment(ref Calls);
            error = Error;
            return false;
        }
    }
}
