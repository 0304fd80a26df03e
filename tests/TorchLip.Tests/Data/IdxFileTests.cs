using System.IO;
using System.Linq;
using TorchLip.Data;
using Xunit;

namespace TorchLip.Tests.Data
{
    public class IdxFileTests
    {
        private static readonly byte[] Payload = Enumerable.Range(0, 24).Select(i => (byte)(i * 10)).ToArray();

        [Fact]
        public void ReadsRawFile()
        {
            using var dir = new TempDirectory();
            var path = dir.File("a-idx3-ubyte");
            File.WriteAllBytes(path, Idx.Build(new[] { 2, 3, 4 }, Payload));

            var array = IdxFile.Read(path);

            Assert.Equal(new[] { 2, 3, 4 }, array.Shape);
            Assert.Equal(Payload, array.Data);
            Assert.False(IdxFile.IsGzip(path));
        }

        [Fact]
        public void ReadsGzipFileWhateverItsName()
        {
            using var dir = new TempDirectory();
            var path = dir.File("b-idx1-ubyte");
            File.WriteAllBytes(path, Idx.Gzip(Idx.Build(new[] { 24 }, Payload)));

            var array = IdxFile.Read(path);

            Assert.True(IdxFile.IsGzip(path));
            Assert.Equal(new[] { 24 }, array.Shape);
            Assert.Equal(Payload, array.Data);
        }

        [Fact]
        public void RejectsWrongMagic()
        {
            var bytes = Idx.Build(new[] { 24 }, Payload);
            bytes[0] = 0x50;
            var e = ReadFails(bytes, "magic.idx");
            Assert.Contains("magic", e.Message);
            Assert.Contains("magic.idx", e.Message);
        }

        [Fact]
        public void RejectsOtherElementTypes()
        {
            var e = ReadFails(Idx.Build(new[] { 6 }, Payload, type: 0x0D), "float.idx");
            Assert.Contains("0x0D", e.Message);
            Assert.Contains("float32", e.Message);
        }

        [Fact]
        public void TruncatedPayloadNamesFileAndByteCounts()
        {
            var bytes = Idx.Build(new[] { 2, 3, 4 }, Payload)[..^5];
            var e = ReadFails(bytes, "short.idx");
            Assert.Contains("short.idx", e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("24 payload bytes", e.Message);
            Assert.Contains("only 19", e.Message);
        }

        [Fact]
        public void TruncatedGzipPayloadIsAlsoReported()
        {
            var e = ReadFails(Idx.Gzip(Idx.Build(new[] { 2, 3, 4 }, Payload)[..^1]), "short.gz");
            Assert.Contains("only 23", e.Message);
        }

        [Fact]
        public void RejectsTrailingBytes()
        {
            var bytes = Idx.Build(new[] { 24 }, Payload).Concat(new byte[] { 1, 2, 3 }).ToArray();
            var e = ReadFails(bytes, "long.idx");
            Assert.Contains("3 unexpected trailing bytes", e.Message);
        }

        [Fact]
        public void RejectsZeroDimensionCount()
        {
            var e = ReadFails(new byte[] { 0, 0, 8, 0 }, "rank0.idx");
            Assert.Contains("dimension count 0", e.Message);
        }

        [Fact]
        public void RejectsHeaderCutInsideTheDimensions()
        {
            // Claims 3 dimensions but carries only one.
            var e = ReadFails(new byte[] { 0, 0, 8, 3, 0, 0, 0, 2 }, "dims.idx");
            Assert.Contains("inside the header", e.Message);
        }

        [Fact]
        public void RejectsEmptyFile()
        {
            var e = ReadFails(new byte[0], "empty.idx");
            Assert.Contains("magic", e.Message);
        }

        private static InvalidDataException ReadFails(byte[] bytes, string name)
        {
            using var dir = new TempDirectory();
            var path = dir.File(name);
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        }
    }
}
