using System.Runtime.InteropServices;

namespace TorchLip.Bench.Machine;

/// <summary>
/// <c>getrusage(RUSAGE_CHILDREN)</c>: ru_maxrss is the largest peak RSS of any child this process has reaped,
/// an exact figure the 20 ms /proc polling can only approach from below.
/// </summary>
internal static class ChildRusage
{
    private const int RusageChildren = -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSeconds, UserMicroseconds, SystemSeconds, SystemMicroseconds;
        public long MaxRssKiB;
        // ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw
        public long R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13;
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, out RUsage usage);

    /// <summary>Peak RSS in KiB of the largest reaped child so far, or −1 when unavailable.</summary>
    public static long MaxRssKiB()
    {
        try
        {
            return GetRusage(RusageChildren, out var usage) == 0 ? usage.MaxRssKiB : -1;
        }
        catch (System.DllNotFoundException)
        {
            return -1;
        }
        catch (System.EntryPointNotFoundException)
        {
            return -1;
        }
    }
}
