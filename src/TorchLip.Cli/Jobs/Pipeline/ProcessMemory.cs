using System;
using System.Runtime.InteropServices;

namespace TorchLip.Cli.Jobs;

/// <summary>How the job's native memory is held and released, so that the resident size reflects what is live.</summary>
internal static class ProcessMemory
{
    // mallopt parameters (glibc's malloc.h).
    private const int TrimThreshold = -1, MmapThreshold = -3, ArenaMax = -8;

    /// <summary>
    /// Asks glibc to keep the memory the job frees for its own reuse: the top of the heap is not trimmed below 1 GiB,
    /// and blocks up to 32 MiB (glibc's maximum) come from the heap instead of mappings of their own. The resident
    /// size then follows the job's high-water mark instead of moving with glibc's own trims (by up to 15 % between
    /// identical epochs), and freed pages are not faulted in again at the next step: measured on the tutorial job,
    /// 86 000 minor page faults instead of 150 000-180 000 with a malloc_trim after every epoch, and a flat RSS.
    /// All threads share one arena: without the cap, a second arena (created when two threads happen to allocate at
    /// once) added 5-8 MB at a random epoch, an RSS growth from epoch 2 to 10 of 2-4.5 % in 2 of 6 runs (at most
    /// 0.4 % over 6 runs with one arena). Called before torch starts its threads.
    /// </summary>
    public static void KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            mallopt(MmapThreshold, 32 << 20);
            mallopt(TrimThreshold, 1 << 30);
            mallopt(ArenaMax, 1);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl, for one): its allocator keeps or returns memory on its own terms.
        }
    }

    /// <summary>
    /// Runs the finalizers of unreachable TorchSharp objects: after the data is loaded (what reading MNIST left behind)
    /// and at each epoch's end (TorchSharp's Adam makes native Scalars per step that only finalizers free). Without
    /// these two the job's peak RSS measured 445 MB instead of about 350 MB. The trainer itself never collects.
    /// </summary>
    public static void ReleaseLoadingGarbage()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
