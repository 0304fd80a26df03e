using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using TorchLip.Data;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.Data.DataPreparation;

namespace TorchLip.Tests.Data
{
    /// <summary>
    /// Real Fashion-MNIST through the default sources and cache directory: the installed Debian package when present,
    /// else the official mirror, else Debian's package downloaded (network); then read from the cache.
    /// </summary>
    [Trait("Category", "Network")]
    [Trait("Category", "RealData")]
    public class RealFashionMnistTests
    {
        private readonly ITestOutputHelper _output;

        public RealFashionMnistTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void LoadsBothSplitsVerifiedAndBalanced()
        {
            var log = new ConcurrentQueue<string>();
            var watch = Stopwatch.StartNew();
            var files = new MnistFiles(log: log.Enqueue, variant: MnistVariant.FashionMnist);

            using var trainSet = FashionMnistDataset.Load(train: true, files);
            using var testSet = FashionMnistDataset.Load(train: false, files);
            using var train = prepare_multiclass(trainSet);
            using var test = prepare_multiclass(testSet);

            foreach (var line in log) _output.WriteLine(line);
            _output.WriteLine($"total {watch.Elapsed.TotalSeconds:0.0} s, data directory {files.DataDirectory}");
            _output.WriteLine(train.FormatSummary());
            _output.WriteLine(test.FormatSummary());

            Assert.Equal(60000, trainSet.Count);
            Assert.Equal(10000, testSet.Count);
            Assert.Equal(new long[] { 60000, 1, 28, 28 }, train.x.shape);
            Assert.Equal(new long[] { 10000 }, test.y.shape);
            Assert.All(train.ClassCounts(), count => Assert.Equal(6000, count));
            Assert.All(test.ClassCounts(), count => Assert.Equal(1000, count));
            Assert.Equal(0f, train.x.min().item<float>());
            Assert.Equal(1f, train.x.max().item<float>());
            Assert.Equal("Ankle boot", trainSet.classes[9]);
            foreach (var name in MnistFiles.FileNames)
                Assert.True(File.Exists(Path.Combine(files.DataDirectory, name)));
        }

        [Fact]
        public void NeverOverwritesMnistFilesInASharedDirectory()
        {
            var mnist = new MnistFiles().EnsureAvailable();
            using var dir = new TempDirectory();
            // The training images come first, so the guard meets them before any source is asked.
            File.Copy(mnist.TrainImages, dir.File(MnistFiles.TrainImagesName));
            var fashion = new MnistFiles(dir.Path, new IMnistSource[] { new FailingSource("never", "must not be reached") }, variant: MnistVariant.FashionMnist);

            var e = Assert.Throws<IOException>(() => fashion.EnsureAvailable());

            Assert.Contains("is MNIST's train-images-idx3-ubyte, not Fashion-MNIST's", e.Message);
            Assert.Equal(MnistVariant.Mnist.Sha256[MnistFiles.TrainImagesName], Idx.Sha256(File.ReadAllBytes(dir.File(MnistFiles.TrainImagesName))));
        }
    }
}
