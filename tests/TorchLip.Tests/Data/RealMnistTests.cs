using System.Collections.Concurrent;
using System.Diagnostics;
using TorchLip.Data;
using Xunit;
using Xunit.Abstractions;
using static TorchLip.Data.DataPreparation;

namespace TorchLip.Tests.Data
{
    /// <summary>Acquires the real MNIST files (default sources, default cache directory) and checks the tutorial's numbers.</summary>
    /// <summary>Real MNIST: downloaded on the first run (network), then read from the cache.</summary>
    [Trait("Category", "Network")]
    [Trait("Category", "RealData")]
    public class RealMnistTests
    {
        private readonly ITestOutputHelper _output;

        public RealMnistTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void PrepareData0Vs8MatchesTheTutorial()
        {
            var log = new ConcurrentQueue<string>();
            var watch = Stopwatch.StartNew();
            var files = new MnistFiles(log: log.Enqueue);
            files.EnsureAvailable();
            var acquired = watch.Elapsed;

            using var trainSet = MnistDataset.Load(train: true, files);
            using var testSet = MnistDataset.Load(train: false, files);
            using var train = prepare_data(trainSet, 0, 8);
            using var test = prepare_data(testSet, 0, 8);

            foreach (var line in log) _output.WriteLine(line);
            _output.WriteLine($"acquisition {acquired.TotalSeconds:0.0} s, total {watch.Elapsed.TotalSeconds:0.0} s, data directory {files.DataDirectory}");
            _output.WriteLine(train.FormatSummary());
            _output.WriteLine(test.FormatSummary());

            Assert.Equal(60000, trainSet.Count);
            Assert.Equal(10000, testSet.Count);
            Assert.Equal("Train set size: 11774 samples, classes proportions: 50.31 %", train.FormatSummary());
            Assert.Equal("Test set size: 1954 samples, classes proportions: 50.15 %", test.FormatSummary());
            Assert.Equal(new long[] { 11774, 1, 28, 28 }, train.x.shape);
            Assert.Equal(new long[] { 11774 }, train.y.shape);
            Assert.Equal(0f, train.x.min().item<float>());
            Assert.Equal(1f, train.x.max().item<float>());
        }
    }
}
