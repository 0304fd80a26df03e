using System;
using System.IO;
using System.Linq;
using System.Text;
using TorchLip.Internal;
using Xunit;

namespace TorchLip.Tests.Packaging;

/// <summary>The diagnosis of a native-load failure, on synthetic facts and on the real libLibTorchSharp.so copies.</summary>
public class NativeLibraryCheckTests
{
    private static NativeLoadFacts Facts(bool next = true, string? underRuntimes = null, string? glue = "/app/libLibTorchSharp.so",
        bool? systemHas = false, bool? weak = true, bool linux = true) =>
        new("/app/", linux, next, underRuntimes, glue, systemHas is null ? null : "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", systemHas, weak);

    [Fact]
    public void NoLibTorchAnywhereMeansNoBackendPackage()
    {
        var f = Facts(next: false, underRuntimes: null);
        Assert.Equal(NativeLoadCause.NoBackendPackage, NativeLibraryCheck.Diagnose(f));
        var text = NativeLibraryCheck.Explain(NativeLoadCause.NoBackendPackage, f, "TorchSharp's text\n  trace line");
        Assert.Contains("dotnet add package libtorch-cpu-linux-x64", text);
        Assert.Contains("<RuntimeIdentifier>linux-x64</RuntimeIdentifier>", text);
        Assert.EndsWith("TorchSharp said: TorchSharp's text", text);
    }

    [Fact]
    public void LibTorchOnlyUnderRuntimesMeansNoRuntimeIdentifier()
    {
        var f = Facts(next: false, underRuntimes: "/app/runtimes/linux-x64/native/libtorch_cpu.so",
            glue: "/app/runtimes/linux-x64/native/libLibTorchSharp.so");
        Assert.Equal(NativeLoadCause.NoRuntimeIdentifier, NativeLibraryCheck.Diagnose(f));
        Assert.Contains("<RuntimeIdentifier>linux-x64</RuntimeIdentifier>", NativeLibraryCheck.Explain(NativeLoadCause.NoRuntimeIdentifier, f, "x"));
    }

    [Fact]
    public void OldLibStdCxxWithAnUnpatchedCopyMeansThePatchIsOff()
    {
        var f = Facts(systemHas: false, weak: false);
        Assert.Equal(NativeLoadCause.LibStdCxxTooOld, NativeLibraryCheck.Diagnose(f));
        var text = NativeLibraryCheck.Explain(NativeLoadCause.LibStdCxxTooOld, f, "x");
        Assert.Contains("GLIBCXX_3.4.32", text);
        Assert.Contains("SkipLibTorchSharpPatch", text);
        // The same copy under runtimes/ (no RID) is diagnosed by its libstdc++ need first.
        Assert.Equal(NativeLoadCause.LibStdCxxTooOld, NativeLibraryCheck.Diagnose(Facts(next: false,
            underRuntimes: "/app/runtimes/linux-x64/native/libtorch_cpu.so", systemHas: false, weak: false)));
    }

    [Theory]
    [InlineData(true, false)]    // new libstdc++: an unpatched copy loads
    [InlineData(false, true)]    // old libstdc++, patched copy
    [InlineData(null, false)]    // no libstdc++ found where we look
    public void ALibStdCxxThatMeetsTheNeedIsNotBlamed(bool? systemHas, bool weak)
    {
        Assert.Equal(NativeLoadCause.Unknown, NativeLibraryCheck.Diagnose(Facts(systemHas: systemHas, weak: weak)));
        Assert.Contains("ldd", NativeLibraryCheck.Explain(NativeLoadCause.Unknown, Facts(), "x"));
    }

    [Fact]
    public void NotLinuxNeverBlamesLibStdCxx() =>
        Assert.Equal(NativeLoadCause.Unknown, NativeLibraryCheck.Diagnose(Facts(systemHas: false, weak: false, linux: false)));

    [Fact]
    public void MissingGlueIsNamed()
    {
        var f = Facts(glue: null, weak: null);
        Assert.Equal(NativeLoadCause.NoTorchSharpNative, NativeLibraryCheck.Diagnose(f));
        Assert.Contains("libLibTorchSharp.so", NativeLibraryCheck.Explain(NativeLoadCause.NoTorchSharpNative, f, "x"));
    }

    [Fact]
    public void DefinesVersionNeedsTheWholeNulTerminatedName()
    {
        Assert.True(NativeLibraryCheck.DefinesVersion(Encoding.ASCII.GetBytes("a\0GLIBCXX_3.4.32\0b"), "GLIBCXX_3.4.32"));
        Assert.False(NativeLibraryCheck.DefinesVersion(Encoding.ASCII.GetBytes("a\0GLIBCXX_3.4.320\0"), "GLIBCXX_3.4.32"));
        Assert.False(NativeLibraryCheck.DefinesVersion(Encoding.ASCII.GetBytes("GLIBCXX_3.4.30\0"), "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void NonElfOrTruncatedInputGivesNoAnswer()
    {
        Assert.Null(NativeLibraryCheck.VersionNeedIsWeak(new byte[10], "GLIBCXX_3.4.32"));
        Assert.Null(NativeLibraryCheck.VersionNeedIsWeak(Encoding.ASCII.GetBytes("MZ" + new string('x', 100)), "GLIBCXX_3.4.32"));
        var elf = new byte[64];
        elf[0] = 0x7f; elf[1] = (byte)'E'; elf[2] = (byte)'L'; elf[3] = (byte)'F'; elf[4] = 2;
        BitConverter.GetBytes(1_000_000L).CopyTo(elf, 0x28);   // section headers past the end
        BitConverter.GetBytes((ushort)64).CopyTo(elf, 0x3A);
        BitConverter.GetBytes((ushort)3).CopyTo(elf, 0x3C);
        Assert.Null(NativeLibraryCheck.VersionNeedIsWeak(elf, "GLIBCXX_3.4.32"));
    }

    [Fact]
    public void TheBuildPatchedThisOutputsCopyAndLeftTheCacheAlone()
    {
        if (!OperatingSystem.IsLinux()) return;
        var facts = NativeLibraryCheck.Gather(AppContext.BaseDirectory);
        Assert.True(facts.LibTorchNextToApp);
        Assert.NotNull(facts.LibTorchSharpPath);
        if (facts.SystemHasGlibcxx332 == false)
            Assert.True(facts.NeedIsWeak);   // this machine needs the patch, and the build applied it
        Assert.NotEqual(NativeLoadCause.LibStdCxxTooOld, NativeLibraryCheck.Diagnose(facts));

        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var original = Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        if (File.Exists(original))
            Assert.False(NativeLibraryCheck.VersionNeedIsWeak(File.ReadAllBytes(original), NativeLibraryCheck.GlibcxxVersion));
    }
}
