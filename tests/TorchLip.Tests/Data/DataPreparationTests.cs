using System.Linq;
using TorchLip.Data;
using Xunit;
using static TorchLip.Data.DataPreparation;

namespace TorchLip.Tests.Data
{
    public class DataPreparationTests
    {
        private static MnistDataset SyntheticTrain(TempDirectory dir)
        {
            SyntheticMnist.WriteAll(dir.Path);
            return MnistDataset.FromFiles(true, dir.File(MnistFiles.TrainImagesName), dir.File(MnistFiles.TrainLabelsName));
        }

        [Fact]
        public void KeepsTwoClassesInOrderWithSignedLabels()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);   // labels 0, 8, 3, 0, 8, 0

            using var prepared = prepare_data(train, 0, 8);

            Assert.Equal(5, prepared.Count);
            Assert.Equal(new long[] { 5, 1, 28, 28 }, prepared.x.shape);
            Assert.Equal(new long[] { 5, 1 }, prepared.y.shape);
            Assert.Equal(TorchSharp.torch.ScalarType.Float32, prepared.x.dtype);
            Assert.Equal(new float[] { 1, -1, 1, -1, 1 }, prepared.y.data<float>().ToArray());
            // Original samples 0, 1, 3, 4, 5 survive; pixel 0 of sample i is label·20 + i.
            var firstPixels = Enumerable.Range(0, 5).Select(i => prepared.x[i, 0, 0, 0].item<float>()).ToArray();
            Assert.Equal(new[] { 0f, 161f, 3f, 164f, 5f }.Select(v => v / 255f).ToArray(), firstPixels);
            Assert.Equal(3, prepared.ClassACount);
            Assert.Equal(0.6, prepared.ClassAProportion, 12);
        }

        [Fact]
        public void SwappingClassesFlipsLabels()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);

            using var prepared = prepare_data(train, class_a: 8, class_b: 3);

            Assert.Equal(new float[] { 1, -1, 1 }, prepared.y.data<float>().ToArray());
        }

        [Fact]
        public void SummaryLineMatchesTheTutorialFormat()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);
            using var prepared = prepare_data(train, 0, 8);

            Assert.Equal("Train set size: 5 samples, classes proportions: 60.00 %", prepared.FormatSummary());
        }

        [Fact]
        public void RejectsEqualClasses()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);

            Assert.Throws<System.ArgumentException>(() => prepare_data(train, 3, 3));
        }
    }
}
