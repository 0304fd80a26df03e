using System;
using System.IO;

namespace TorchLip.Serialization
{
    /// <summary>
    /// Writes a file so that a crash never leaves a partial one under its name: the content goes to a temporary file in
    /// the same folder, is flushed to the disk, and the temporary file is then renamed over the target (an atomic
    /// replace on one file system). A reader sees the old file or the new one, never a mixture.
    /// </summary>
    public static class AtomicFile
    {
        /// <summary>The prefix of the temporary files (hidden, in the target's folder; a crash may leave one, never under the target's name).</summary>
        public const string TemporaryPrefix = ".tmp-";

        /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
        /// <param name="path">The target file; its folder is created when missing.</param>
        /// <param name="write">Writes the complete content to the stream it is given (the stream stays open).</param>
        /// <exception cref="IOException">The file could not be written; the old file, if any, is unchanged.</exception>
        public static void Write(string path, Action<Stream> write)
        {
            ArgumentNullException.ThrowIfNull(path);
            ArgumentNullException.ThrowIfNull(write);
            string full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? ".";
            Directory.CreateDirectory(folder);
            string temporary = Path.Combine(folder, $"{TemporaryPrefix}{Path.GetFileName(full)}-{Guid.NewGuid():N}");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                File.Move(temporary, full, overwrite: true);
            }
            catch
            {
                try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }
    }
}
