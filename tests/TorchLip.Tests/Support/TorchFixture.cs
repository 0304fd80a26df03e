using TorchSharp;

namespace TorchLip.Tests.Support;

/// <summary>One torch thread for every test: two threads on two shared cores can stall badly.</summary>
internal static class TorchSetup
{
    private static readonly object Gate = new();
    private static bool _done;

    public static void OneThread()
    {
        lock (Gate)
        {
            if (_done) return;
            torch.set_num_threads(1);
            _done = true;
        }
    }
}
