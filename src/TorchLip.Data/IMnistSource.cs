namespace TorchLip.Data;

/// <summary>A place MNIST files can be fetched from (a mirror, a package registry, a test fake).</summary>
/// <remarks>
/// A source only delivers bytes; <see cref="MnistFiles"/> decompresses them when needed, checks their SHA-256
/// and moves them into place, so a source may write partial or wrong content without harm.
/// </remarks>
public interface IMnistSource
{
    /// <summary>A one-line description naming the source, used in progress and error messages.</summary>
    string Describe();

    /// <summary>Writes the content of one MNIST file, raw or gzip-compressed, to <paramref name="destinationPath"/>.</summary>
    /// <param name="fileName">The raw file name, for example <c>train-images-idx3-ubyte</c>.</param>
    /// <param name="destinationPath">Where to write; the file does not exist yet and its directory does.</param>
    /// <param name="error">When the fetch fails, why; otherwise empty.</param>
    /// <returns>True when the content was written.</returns>
    bool TryFetch(string fileName, string destinationPath, out string error);
}
