using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace TorchLip.Data;

/// <summary>
/// Reads IDX files (the format of the MNIST distribution), raw or gzip-compressed.
/// Only the unsigned-byte element type (0x08) is supported, which is all MNIST uses.
/// </summary>
public static class IdxFile
{
    /// <summary>The IDX element-type code of unsigned bytes.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>The largest dimension count accepted; real IDX files have 1 to 4.</summary>
    public const int MaxRank = 16;

    /// <summary>Whether the file starts with the gzip magic bytes 1f 8b.</summary>
    /// <param name="path">The file to inspect.</param>
    public static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        return file.ReadAtLeast(head, 2, throwOnEndOfStream: false) == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    /// <summary>Opens a file for reading its uncompressed content, decompressing it when it is gzip-compressed.</summary>
    /// <param name="path">A raw or gzip-compressed file.</param>
    public static Stream OpenDecompressed(string path)
    {
        bool gzip = IsGzip(path);
        var file = File.OpenRead(path);
        return gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>Reads an IDX file, raw or gzip-compressed (detected by its first two bytes).</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="InvalidDataException">The file is not a well-formed unsigned-byte IDX file.</exception>
    public static IdxArray Read(string path)
    {
        using var stream = OpenDecompressed(path);
        return Read(stream, path);
    }

    /// <summary>Reads uncompressed IDX content from a stream, up to its end.</summary>
    /// <param name="stream">The uncompressed IDX content.</param>
    /// <param name="sourceName">The name used in error messages (usually the file path).</param>
    /// <exception cref="InvalidDataException">The content is not a well-formed unsigned-byte IDX array.</exception>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> magic = stackalloc byte[4];
        int got = Fill(stream, magic, sourceName);
        if (got < 4)
            throw Error(sourceName, $"file ends inside the 4-byte magic number (only {got} bytes)");
        if (magic[0] != 0 || magic[1] != 0)
            throw Error(sourceName, $"bad magic number {Convert.ToHexString(magic)}: an IDX file starts with two zero bytes");
        if (magic[2] != UnsignedByteType)
            throw Error(sourceName, $"element type 0x{magic[2]:X2} ({TypeName(magic[2])}) is not supported; only 0x08 (unsigned byte) is");
        int rank = magic[3];
        if (rank < 1 || rank > MaxRank)
            throw Error(sourceName, $"dimension count {rank} is outside 1..{MaxRank}");

        var dimBytes = new byte[4 * rank];
        got = Fill(stream, dimBytes, sourceName);
        if (got < dimBytes.Length)
            throw Error(sourceName, $"file ends inside the header: {rank} dimensions need {dimBytes.Length} bytes after the magic number, found {got}");
        var shape = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (shape[i] < 0)
                throw Error(sourceName, $"dimension {i} is negative ({shape[i]})");
            expected *= shape[i];
            if (expected > Array.MaxLength)
                throw Error(sourceName, $"shape [{string.Join(", ", shape[..(i + 1)])}...] holds more than {Array.MaxLength} elements");
        }

        var data = new byte[expected];
        got = Fill(stream, data, sourceName);
        if (got < expected)
            throw Error(sourceName, $"truncated: shape [{string.Join(", ", shape)}] needs {expected} payload bytes but only {got} follow the header");
        long trailing = CountRemaining(stream, sourceName);
        if (trailing > 0)
            throw Error(sourceName, $"{trailing} unexpected trailing bytes after the {expected}-byte payload of shape [{string.Join(", ", shape)}]");
        return new IdxArray(shape, data);
    }

    private static int Fill(Stream stream, Span<byte> buffer, string sourceName)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw Error(sourceName, $"corrupt compressed data ({e.Message})", e);
        }
    }

    private static long CountRemaining(Stream stream, string sourceName)
    {
        var buffer = new byte[8192];
        long total = 0;
        int n;
        while ((n = Fill(stream, buffer, sourceName)) > 0) total += n;
        return total;
    }

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };

    private static InvalidDataException Error(string sourceName, string problem, Exception? inner = null) =>
        new($"IDX file '{sourceName}': {problem}.", inner);
}
