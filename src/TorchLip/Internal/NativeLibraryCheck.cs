using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;

namespace TorchLip
{
    public static partial class torchlip
    {
        // The first use of the factory class loads TorchSharp's natives; a failure becomes an error that names its cause.
        static torchlip() => Internal.NativeLibraryCheck.EnsureLoaded();
    }
}

namespace TorchLip.Internal
{
    /// <summary>Why TorchSharp's native libraries did not load, as far as the files next to the app tell.</summary>
    internal enum NativeLoadCause
    {
        /// <summary>No libtorch native library anywhere in the app folder: no backend package is referenced.</summary>
        NoBackendPackage,

        /// <summary>libtorch is only under runtimes/&lt;rid&gt;/native: the project has no RuntimeIdentifier.</summary>
        NoRuntimeIdentifier,

        /// <summary>TorchSharp's own glue library (libLibTorchSharp) is missing.</summary>
        NoTorchSharpNative,

        /// <summary>The system's libstdc++ lacks GLIBCXX_3.4.32 and the app's libLibTorchSharp.so is not patched.</summary>
        LibStdCxxTooOld,

        /// <summary>None of the above.</summary>
        Unknown,
    }

    /// <summary>What <see cref="NativeLibraryCheck.Diagnose"/> looks at (gathered by <see cref="NativeLibraryCheck.Gather"/>).</summary>
    /// <param name="AppDirectory">The app's base folder.</param>
    /// <param name="IsLinux">Whether the process runs on Linux (the libstdc++ check only applies there).</param>
    /// <param name="LibTorchNextToApp">A libtorch native library (libtorch_cpu.so, torch_cpu.dll, …) lies in the app folder.</param>
    /// <param name="LibTorchUnderRuntimes">One lies under runtimes/&lt;rid&gt;/native only (the path), or null.</param>
    /// <param name="LibTorchSharpPath">The libLibTorchSharp native found (app folder first, then runtimes/), or null.</param>
    /// <param name="SystemLibStdCxx">The system libstdc++ found, or null.</param>
    /// <param name="SystemHasGlibcxx332">Whether it defines GLIBCXX_3.4.32 (null: no libstdc++ found).</param>
    /// <param name="NeedIsWeak">Whether libLibTorchSharp.so's need for GLIBCXX_3.4.32 is weak, i.e. patched (null: no such need).</param>
    internal sealed record NativeLoadFacts(
        string AppDirectory,
        bool IsLinux,
        bool LibTorchNextToApp,
        string? LibTorchUnderRuntimes,
        string? LibTorchSharpPath,
        string? SystemLibStdCxx,
        bool? SystemHasGlibcxx332,
        bool? NeedIsWeak);

    /// <summary>
    /// Turns TorchSharp's native-load failure (whose text blames a missing package whatever the cause) into an
    /// <see cref="InvalidOperationException"/> that says which cause applies and what fixes it.
    /// </summary>
    internal static class NativeLibraryCheck
    {
        /// <summary>The version TorchSharp 0.107's libLibTorchSharp.so asks of libstdc++ (GCC 13).</summary>
        public const string GlibcxxVersion = "GLIBCXX_3.4.32";

        private static readonly string[] LibTorchNames =
            { "libtorch_cpu.so", "libtorch.so", "torch_cpu.dll", "libtorch_cpu.dylib" };

        private static readonly string[] LibTorchSharpNames =
            { "libLibTorchSharp.so", "LibTorchSharp.dll", "libLibTorchSharp.dylib" };

        private static readonly string[] LibStdCxxPaths =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
        };

        /// <summary>Loads TorchSharp's CPU backend; on failure throws the explained error.</summary>
        /// <exception cref="InvalidOperationException">The natives did not load; the message names the cause and the fix.</exception>
        public static void EnsureLoaded()
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
            }
            catch (Exception e) when (e is not InvalidOperationException)
            {
                var inner = e is TypeInitializationException { InnerException: { } ie } ? ie : e;
                NativeLoadFacts facts;
                try { facts = Gather(AppContext.BaseDirectory); }
                catch (Exception) { throw new InvalidOperationException(Explain(NativeLoadCause.Unknown, null, inner.Message), inner); }
                throw new InvalidOperationException(Explain(Diagnose(facts), facts, inner.Message), inner);
            }
        }

        /// <summary>Reads the facts off the app folder and the system.</summary>
        /// <param name="appDirectory">The app's base folder.</param>
        public static NativeLoadFacts Gather(string appDirectory)
        {
            bool next = LibTorchNames.Any(n => File.Exists(Path.Combine(appDirectory, n)));
            string? underRuntimes = null, glue = LibTorchSharpNames.Select(n => Path.Combine(appDirectory, n)).FirstOrDefault(File.Exists);
            var runtimes = Path.Combine(appDirectory, "runtimes");
            if (Directory.Exists(runtimes))
            {
                foreach (var native in Directory.GetDirectories(runtimes).Select(r => Path.Combine(r, "native")).Where(Directory.Exists))
                {
                    underRuntimes ??= LibTorchNames.Select(n => Path.Combine(native, n)).FirstOrDefault(File.Exists);
                    glue ??= LibTorchSharpNames.Select(n => Path.Combine(native, n)).FirstOrDefault(File.Exists);
                }
            }
            bool linux = RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
            string? libstdcxx = linux ? LibStdCxxPaths.FirstOrDefault(File.Exists) : null;
            bool? hasVersion = libstdcxx is null ? null : DefinesVersion(File.ReadAllBytes(libstdcxx), GlibcxxVersion);
            bool? weak = glue is not null && glue.EndsWith(".so", StringComparison.Ordinal)
                ? VersionNeedIsWeak(File.ReadAllBytes(glue), GlibcxxVersion)
                : null;
            return new NativeLoadFacts(appDirectory, linux, next, next ? null : underRuntimes, glue, libstdcxx, hasVersion, weak);
        }

        /// <summary>Which cause applies, from the facts alone (no file access: testable on synthetic inputs).</summary>
        /// <param name="f">The facts.</param>
        public static NativeLoadCause Diagnose(NativeLoadFacts f)
        {
            if (!f.LibTorchNextToApp && f.LibTorchUnderRuntimes is null) return NativeLoadCause.NoBackendPackage;
            if (f.LibTorchSharpPath is null) return NativeLoadCause.NoTorchSharpNative;
            if (f.IsLinux && f.SystemHasGlibcxx332 == false && f.NeedIsWeak == false) return NativeLoadCause.LibStdCxxTooOld;
            // With a deps.json TorchSharp 0.107 finds natives under runtimes/ too; without one (a copied or hand-made
            // layout) only the files next to the app count.
            if (!f.LibTorchNextToApp) return NativeLoadCause.NoRuntimeIdentifier;
            return NativeLoadCause.Unknown;
        }

        /// <summary>The error text for a cause: what is wrong and the fix, then TorchSharp's own message.</summary>
        /// <param name="cause">The cause.</param>
        /// <param name="f">The facts (null if they could not be read).</param>
        /// <param name="torchSharpMessage">TorchSharp's message.</param>
        public static string Explain(NativeLoadCause cause, NativeLoadFacts? f, string torchSharpMessage)
        {
            var dir = f?.AppDirectory ?? AppContext.BaseDirectory;
            var sb = new StringBuilder("TorchLip: TorchSharp's native libraries did not load. ");
            switch (cause)
            {
                case NativeLoadCause.NoBackendPackage:
                    sb.Append($"No libtorch backend package is referenced: there is no libtorch native library (libtorch_cpu.so) in {dir}. ")
                      .Append("TorchLip depends on TorchSharp only and leaves the backend to you. Fix: add one, e.g. ")
                      .Append("`dotnet add package libtorch-cpu-linux-x64 --version 2.10.0` (or TorchSharp-cpu for every platform), ")
                      .Append("and set <RuntimeIdentifier>linux-x64</RuntimeIdentifier> in the project.");
                    break;
                case NativeLoadCause.NoRuntimeIdentifier:
                    sb.Append($"The libtorch backend is there ({f!.LibTorchUnderRuntimes}) but only under runtimes/, not next to the app in {dir}: ")
                      .Append("the project has no RuntimeIdentifier, and the loader did not find it there. Fix: add <RuntimeIdentifier>linux-x64</RuntimeIdentifier> ")
                      .Append("(and <SelfContained>false</SelfContained>) to the project's PropertyGroup, then rebuild.");
                    break;
                case NativeLoadCause.NoTorchSharpNative:
                    sb.Append($"TorchSharp's native glue (libLibTorchSharp.so) is not in {dir}. ")
                      .Append("Fix: reference the TorchSharp package in the app project itself (dotnet add package TorchSharp --version 0.107.0) ")
                      .Append("and set <RuntimeIdentifier>linux-x64</RuntimeIdentifier>.");
                    break;
                case NativeLoadCause.LibStdCxxTooOld:
                    sb.Append($"The system's libstdc++ ({f!.SystemLibStdCxx}) is too old: it lacks {GlibcxxVersion}, which TorchSharp's ")
                      .Append($"{f.LibTorchSharpPath} asks for, and that copy is not patched. TorchLip's build step marks that need weak after ")
                      .Append("every build and publish; it was switched off (-p:SkipLibTorchSharpPatch=true) or did not run on this output. ")
                      .Append("Fix: build again without SkipLibTorchSharpPatch=true (TorchLip's package targets must be imported: ")
                      .Append("reference TorchLip as a package, or import buildTransitive/TorchLip.targets), or run on a system with ")
                      .Append("GCC 13's libstdc++ or newer.");
                    break;
                default:
                    sb.Append("The cause is not one TorchLip recognises (a backend package is present, and the libstdc++ check passes). ")
                      .Append($"`ldd {f?.LibTorchSharpPath ?? Path.Combine(dir, "libLibTorchSharp.so")}` shows which dependency is missing.");
                    break;
            }
            // TorchSharp's message goes on with its whole probing trace; its first line is enough here (the trace stays in InnerException).
            var first = torchSharpMessage.Split('\n')[0].Trim();
            return sb.Append(" TorchSharp said: ").Append(first).ToString();
        }

        /// <summary>Whether a shared library's bytes define a symbol version (its name, NUL-terminated, in the string table).</summary>
        /// <param name="library">The library's bytes.</param>
        /// <param name="version">The version name.</param>
        public static bool DefinesVersion(ReadOnlySpan<byte> library, string version)
        {
            var needle = Encoding.ASCII.GetBytes(version + "\0");
            return library.IndexOf(needle) >= 0;
        }

        /// <summary>
        /// Whether an ELF64 file's need for <paramref name="version"/> (an SHT_GNU_verneed entry) is weak
        /// (VER_FLG_WEAK, what TorchLip's build step sets); null if the file is not ELF64 or has no such need.
        /// </summary>
        /// <param name="d">The file's bytes.</param>
        /// <param name="version">The version name.</param>
        public static bool? VersionNeedIsWeak(byte[] d, string version)
        {
            if (d.Length < 64 || d[0] != 0x7f || d[1] != (byte)'E' || d[2] != (byte)'L' || d[3] != (byte)'F' || d[4] != 2) return null;
            try
            {
                long shoff = BitConverter.ToInt64(d, 0x28);
                int shentsize = BitConverter.ToUInt16(d, 0x3A), shnum = BitConverter.ToUInt16(d, 0x3C);
                for (int i = 0; i < shnum; i++)
                {
                    long s = shoff + (long)i * shentsize;
                    if (BitConverter.ToUInt32(d, (int)s + 4) != 0x6ffffffe) continue;   // SHT_GNU_verneed
                    long off = BitConverter.ToInt64(d, (int)s + 24);
                    int link = (int)BitConverter.ToUInt32(d, (int)s + 40), info = (int)BitConverter.ToUInt32(d, (int)s + 44);
                    long strOff = BitConverter.ToInt64(d, (int)(shoff + (long)link * shentsize) + 24);
                    long p = off;
                    for (int n = 0; n < info; n++)
                    {
                        int cnt = BitConverter.ToUInt16(d, (int)p + 2);
                        long a = p + BitConverter.ToUInt32(d, (int)p + 8);
                        for (int k = 0; k < cnt; k++)
                        {
                            long nameAt = strOff + BitConverter.ToUInt32(d, (int)a + 8);
                            int end = (int)nameAt;
                            while (d[end] != 0) end++;
                            if (Encoding.ASCII.GetString(d, (int)nameAt, end - (int)nameAt) == version)
                                return (BitConverter.ToUInt16(d, (int)a + 4) & 2) != 0;
                            a += BitConverter.ToUInt32(d, (int)a + 12);
                        }
                        uint next = BitConverter.ToUInt32(d, (int)p + 12);
                        if (next == 0) break;
                        p += next;
                    }
                }
            }
            catch (ArgumentException) { return null; }   // truncated or malformed file
            catch (IndexOutOfRangeException) { return null; }
            return null;
        }
    }
}
