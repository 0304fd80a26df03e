using System;
using System.Linq;
using TorchLip.Data;
using TorchSharp;
using Xunit;
using static TorchLip.Data.DataPreparation;
using static TorchSharp.torch;

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
            Assert.Equal(new long[] { 5 }, prepared.y.shape);
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
    
        [Fact]
        public void TheTutorialsAccuracyLinePortedAsIsGivesTheAccuracy()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);
            using var prepared = prepare_data(train, 0, 8);   // labels 1, -1, 1, -1, 1
            var target = prepared.y;
            // A network's scores, shape (N, 1): right on samples 0, 1, 2 and 4, wrong on sample 3.
            using var output = tensor(new float[] { 2f, -1f, 0.5f, 3f, 1f }).reshape(-1, 1);

            // deel-torchlip: m_acc += (torch.sign(output).flatten() == torch.sign(target)).sum() / len(target)
            using var scope = NewDisposeScope();
            var acc = (torch.sign(output).flatten() == torch.sign(target)).sum() / target.shape[0];

            Assert.Equal(0.8, acc.to_type(ScalarType.Float64).item<double>(), 6);
            Assert.Equal(0, acc.dim());
            // With (N, 1) labels, as prepare_data returned before, the same line compares every score with every label.
            Assert.Equal(new long[] { 5, 5 }, (torch.sign(output).flatten() == torch.sign(target.reshape(-1, 1))).shape);
        }

        [Fact]
        public void BinaryLabelsOfShapeNByOneAreAClearError()
        {
            using var x = zeros(3, 1, 28, 28);
            using var y = ones(3, 1);

            var e = Assert.Throws<ArgumentException>(() => new BinaryClassData(x, y, true, 0, 8, 3));

            Assert.Contains("shape (N), as the tutorial's; got (3, 1)", e.Message);
            Assert.Contains("y.reshape(-1)", e.Message);
        }

        [Fact]
        public void PrepareDataTakesFashionMnistToo()
        {
            using var dir = new TempDirectory();
            SyntheticMnist.WriteAll(dir.Path);
            using var fashion = FashionMnistDataset.FromFiles(true, dir.File(MnistFiles.TrainImagesName), dir.File(MnistFiles.TrainLabelsName));

            using var prepared = prepare_data(fashion, class_a: 3, class_b: 0);   // Dress +1, T-shirt/top -1

            Assert.Equal(new float[] { -1, 1, -1, -1 }, prepared.y.data<float>().ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => prepare_data(fashion, 10, 0));
        }

        [Fact]
        public void MulticlassKeepsEverySampleWithClassIndices()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);   // labels 0, 8, 3, 0, 8, 0

            using var prepared = prepare_multiclass(train);

            Assert.Equal(6, prepared.Count);
            Assert.Equal(new long[] { 6, 1, 28, 28 }, prepared.x.shape);
            Assert.Equal(ScalarType.Float32, prepared.x.dtype);
            Assert.Equal(new long[] { 6 }, prepared.y.shape);
            Assert.Equal(ScalarType.Int64, prepared.y.dtype);
            Assert.Equal(new long[] { 0, 8, 3, 0, 8, 0 }, prepared.y.data<long>().ToArray());
            Assert.Equal((8 * 20 + 1 + 5) / 255f, prepared.x[1, 0, 0, 5].item<float>());
            Assert.Equal(new long[] { 3, 0, 0, 1, 0, 0, 0, 0, 2, 0 }, prepared.ClassCounts());
            Assert.Equal("MNIST train set size: 6 samples, 10 classes", prepared.FormatSummary());
            // The dataset's own tensors are untouched and still owned by it.
            Assert.Equal(ScalarType.Byte, train.data.dtype);
            Assert.Equal(8L, train.targets[1].item<long>());
        }

        [Fact]
        public void OneHotRowsCarryTheChosenValues()
        {
            using var dir = new TempDirectory();
            using var train = SyntheticTrain(dir);
            using var prepared = prepare_multiclass(train);

            using var plain = prepared.one_hot();
            using var signed = prepared.one_hot(on: 1, off: -1);

            Assert.Equal(new long[] { 6, 10 }, plain.shape);
            Assert.Equal(ScalarType.Float32, plain.dtype);
            Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 }, plain[1].data<float>().ToArray());
            Assert.Equal(new float[] { -1, -1, -1, 1, -1, -1, -1, -1, -1, -1 }, signed[2].data<float>().ToArray());
            Assert.Equal(new long[] { 0, 8, 3, 0, 8, 0 }, plain.argmax(1).data<long>().ToArray());
            using var outOfRange = tensor(new long[] { 0, 10 });
            Assert.Contains("0..9", Assert.Throws<ArgumentException>(() => one_hot(outOfRange, 10)).Message);
            using var floats = tensor(new float[] { 0, 1 });
            Assert.Contains("integer class indices", Assert.Throws<ArgumentException>(() => one_hot(floats, 10)).Message);
        }
    }
}
