using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchLip.Data;
using Xunit;
using static TorchSharp.torch;

namespace TorchLip.Tests.Data
{
    /// <summary>Fashion-MNIST on small synthetic IDX files, through the same verified cache as MNIST (no network).</summary>
    public class FashionMnistTests
    {
        /// <summary>The four synthetic files as gzip files in a folder laid out as Debian's package installs them.</summary>
        private static string InstalledPackage(TempDirectory root, Func<byte[], byte[]>? alter = null)
        {
            var folder = Directory.CreateDirectory(Path.Combine(root.Path, "usr-share-datasets-fashion-mnist")).FullName;
            foreach (var (name, content) in SyntheticMnist.Files)
                File.WriteAllBytes(Path.Combine(folder, name + ".gz"), Idx.Gzip(alter is null ? content : alter(content)));
            return folder;
        }

        private static MnistFiles FashionFiles(string dir, ConcurrentQueue<string>? log, params IMnistSource[] sources) =>
            new(dir, sources, SyntheticMnist.Hashes, log is null ? null : log.Enqueue, variant: MnistVariant.FashionMnist);

        [Fact]
        public void VariantHoldsTheDigestsOfTheDebianPackageAndTheClassNames()
        {
            var fashion = MnistVariant.FashionMnist;
            Assert.Equal("Fashion-MNIST", fashion.Name);
            Assert.Equal("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", fashion.Sha256[MnistFiles.TrainImagesName]);
            Assert.Equal("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", fashion.Sha256[MnistFiles.TrainLabelsName]);
            Assert.Equal("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", fashion.Sha256[MnistFiles.TestImagesName]);
            Assert.Equal("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", fashion.Sha256[MnistFiles.TestLabelsName]);
            Assert.Equal(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
                FashionMnistDataset.ClassNames);
            Assert.Equal(10, MnistDataset.ClassNames.Count);
            Assert.Equal("8 - eight", MnistDataset.ClassNames[8]);
            // MNIST's table is unchanged and distinct, so neither data set can take the other's files.
            Assert.Same(MnistVariant.Mnist.Sha256, MnistFiles.DefaultSha256);
            Assert.Empty(fashion.Sha256.Values.Intersect(MnistVariant.Mnist.Sha256.Values));
        }

        [Fact]
        public void DefaultSourcesAreTheInstalledPackageTheMirrorThenTheDebianPackage()
        {
            var sources = MnistVariant.FashionMnist.CreateDefaultSources();

            Assert.Equal(3, sources.Count);
            Assert.Equal(MnistVariant.DebianFashionMnistDirectory, Assert.IsType<LocalDirectorySource>(sources[0]).Directory);
            Assert.IsType<HttpsMirrorSource>(sources[1]);
            var deb = Assert.IsType<DebianPackageSource>(sources[2]);
            Assert.Equal("dataset-fashion-mnist", deb.PackageName);
            Assert.Equal(DebianPackageSource.FashionMnistPackageSha256, deb.PackageSha256);
        }

        [Fact]
        public void DataDirectoryIsItsOwnAndIgnoresMnistsVariable()
        {
            var env = new Dictionary<string, string?> { ["TORCHLIP_DATA_DIR"] = "/mnist/here", ["XDG_CACHE_HOME"] = "/xdg" };
            string Resolve(string? dir) => MnistFiles.ResolveDataDirectory(dir, MnistVariant.FashionMnist, k => env.GetValueOrDefault(k));

            Assert.Equal("/explicit", Resolve("/explicit"));
            Assert.Equal("/xdg/torchlip/fashion-mnist", Resolve(null));
            env["TORCHLIP_FASHION_MNIST_DIR"] = "/fashion/here";
            Assert.Equal("/fashion/here", Resolve(null));
        }

        [Fact]
        public void LoadsFromTheInstalledPackageThroughTheVerifiedCache()
        {
            using var root = new TempDirectory();
            var installed = InstalledPackage(root);
            var cache = Path.Combine(root.Path, "cache");
            var log = new ConcurrentQueue<string>();
            var files = FashionFiles(cache, log, new LocalDirectorySource(installed, "installed package"));

            using var train = FashionMnistDataset.Load(train: true, files);
            using var test = FashionMnistDataset.Load(train: false, files);

            Assert.True(train.Train);
            Assert.Equal(SyntheticMnist.TrainLabels.Length, train.Count);
            Assert.Equal(SyntheticMnist.TestLabels.Length, test.Count);
            Assert.Equal(ScalarType.Byte, train.data.dtype);
            Assert.Equal(new long[] { 6, 28, 28 }, train.data.shape);
            Assert.Equal(ScalarType.Int64, train.targets.dtype);
            Assert.Equal(SyntheticMnist.TrainLabels.Select(b => (long)b).ToArray(), train.targets.data<long>().ToArray());
            Assert.Equal("Fashion-MNIST", train.Name);
            Assert.Equal("Bag", train.classes[8]);
            // Verified raw copies in the cache; the installed gzip files stay where they were.
            foreach (var name in MnistFiles.FileNames)
            {
                Assert.Equal(SyntheticMnist.Files[name], File.ReadAllBytes(Path.Combine(cache, name)));
                Assert.True(File.Exists(Path.Combine(installed, name + ".gz")));
            }
            Assert.Contains(log, line => line.StartsWith("Fashion-MNIST: ") && line.Contains("installed package"));
        }

        [Fact]
        public void MissingFilesNameEverySourceAndHowToInstallThePackage()
        {
            using var root = new TempDirectory();
            var nowhere = Path.Combine(root.Path, "not-installed");
            var files = FashionFiles(Path.Combine(root.Path, "cache"), null,
                new LocalDirectorySource(nowhere, "installed package"), new FailingSource("mirror", "name not resolved"));

            var e = Assert.Throws<IOException>(() => FashionMnistDataset.Load(train: true, files));

            Assert.Contains("Could not obtain the Fashion-MNIST file train-images-idx3-ubyte", e.Message);
            Assert.Contains($"installed package ({nowhere}): {nowhere} does not exist", e.Message);
            Assert.Contains("mirror: name not resolved", e.Message);
            Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
            Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);
            Assert.Contains("TORCHLIP_FASHION_MNIST_DIR", e.Message);
        }

        [Fact]
        public void CorruptFilesFailTheirHashAndAreNotInstalled()
        {
            using var root = new TempDirectory();
            var installed = InstalledPackage(root, content => content.Select(b => (byte)(b ^ 1)).ToArray());
            var cache = Path.Combine(root.Path, "cache");
            var files = FashionFiles(cache, null, new LocalDirectorySource(installed, "installed package"));

            var e = Assert.Throws<IOException>(() => FashionMnistDataset.Load(train: false, files));

            Assert.Contains("SHA-256 mismatch after decompression", e.Message);
            Assert.Contains(SyntheticMnist.Hashes[MnistFiles.TrainImagesName], e.Message);
            Assert.DoesNotContain(Directory.GetFiles(cache), path => !Path.GetFileName(path).StartsWith('.'));
        }

        [Fact]
        public void LoadRefusesFilesOfTheOtherDataSet()
        {
            using var dir = new TempDirectory();
            var mnistFiles = new MnistFiles(dir.Path, Array.Empty<IMnistSource>(), SyntheticMnist.Hashes);
            var fashionFiles = FashionFiles(dir.Path, null);

            Assert.Contains("MnistFiles(dir, variant: MnistVariant.FashionMnist)",
                Assert.Throws<ArgumentException>(() => FashionMnistDataset.Load(true, mnistFiles)).Message);
            Assert.Contains("FashionMnistDataset", Assert.Throws<ArgumentException>(() => MnistDataset.Load(true, fashionFiles)).Message);
        }

        [Fact]
        public void MalformedFilesNameTheDataSet()
        {
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.File("images"), SyntheticMnist.Images(new byte[] { 1, 2, 3 }));
            File.WriteAllBytes(dir.File("labels"), Idx.Build(new[] { 2 }, new byte[] { 1, 2 }));

            var e = Assert.Throws<InvalidDataException>(() => FashionMnistDataset.FromFiles(true, dir.File("images"), dir.File("labels")));

            Assert.Contains("has 3 images but", e.Message);
            var wrongShape = Assert.Throws<InvalidDataException>(() => new FashionMnistDataset(zeros(2, 28, 27, dtype: ScalarType.Byte), zeros(2, dtype: ScalarType.Int64), true));
            Assert.Contains("Fashion-MNIST images must be uint8 of shape (N, 28, 28)", wrongShape.Message);
        }
    }
}
