using System.IO;
using System.Linq;
using TorchLip.Data;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Data
{
    public class MnistDatasetTests
    {
        [Fact]
        public void LoadsImagesAndLabels()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);

            using var train = MnistDataset.FromFiles(true, dir.File(MnistFiles.TrainImagesName), dir.File(MnistFiles.TrainLabelsName));

            Assert.True(train.Train);
            Assert.Equal(6, train.Count);
            Assert.Equal(ScalarType.Byte, train.data.dtype);
            Assert.Equal(new long[] { 6, 28, 28 }, train.data.shape);
            Assert.Equal(ScalarType.Int64, train.targets.dtype);
            Assert.Equal(SyntheticMnist.TrainLabels.Select(b => (long)b).ToArray(), train.targets.data<long>().ToArray());
            Assert.Equal(8 * 20 + 1 + 5, train.data[1, 0, 5].item<byte>());
        }

        [Fact]
        public void LoadThroughMnistFilesVerifiesThenReads()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);
            var files = new MnistFiles(dir.Path, new IMnistSource[0], SyntheticMnist.Hashes);

            using var test = MnistDataset.Load(train: false, files);

            Assert.False(test.Train);
            Assert.Equal(SyntheticMnist.TestLabels.Length, test.Count);
        }

        [Fact]
        public void RejectsImageAndLabelCountMismatch()
        {
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.File("images"), SyntheticMnist.Images(new byte[] { 1, 2, 3 }));
            File.WriteAllBytes(dir.File("labels"), Idx.Build(new[] { 2 }, new byte[] { 1, 2 }));

            var e = Assert.Throws<InvalidDataException>(() => MnistDataset.FromFiles(true, dir.File("images"), dir.File("labels")));
            Assert.Contains("3 images", e.Message);
            Assert.Contains("2 labels", e.Message);
        }

        [Fact]
        public void RejectsImagesThatAreNot28By28()
        {
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.File("images"), Idx.Build(new[] { 1, 27, 28 }, new byte[27 * 28]));
            File.WriteAllBytes(dir.File("labels"), Idx.Build(new[] { 1 }, new byte[] { 1 }));

            var e = Assert.Throws<InvalidDataException>(() => MnistDataset.FromFiles(true, dir.File("images"), dir.File("labels")));
            Assert.Contains("(1, 27, 28)", e.Message);
        }

        [Fact]
        public void RejectsLabelsOutside0To9()
        {
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.File("images"), SyntheticMnist.Images(new byte[] { 1, 2 }));
            File.WriteAllBytes(dir.File("labels"), Idx.Build(new[] { 2 }, new byte[] { 1, 10 }));

            var e = Assert.Throws<InvalidDataException>(() => MnistDataset.FromFiles(true, dir.File("images"), dir.File("labels")));
            Assert.Contains("label 1 is 10", e.Message);
        }

        [Fact]
        public void ConstructorChecksTensorShapes()
        {
            using var images = zeros(new long[] { 3, 28, 28 }, ScalarType.Byte);
            using var labels = zeros(new long[] { 4 }, ScalarType.Int64);
            var e = Assert.Throws<InvalidDataException>(() => new MnistDataset(images, labels, true));
            Assert.Contains("3 images but 4 labels", e.Message);
        }
    }
}
