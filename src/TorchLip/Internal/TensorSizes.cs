using static TorchSharp.torch;

namespace TorchLip.Internal
{
    /// <summary>
    /// A tensor's sizes read one dimension at a time (<c>Tensor.size(int)</c>, one native call each).
    /// </summary>
    /// <remarks>
    /// TorchSharp's <c>shape</c> and <c>size()</c> fill the array through a pinning helper whose finalizer is never
    /// suppressed: every call leaves an object for the finalizer thread, which makes garbage collections slow (a gen-0
    /// collection after a few seconds of batch-128 inference took 40-50 ms, measured). Code run per batch or per step
    /// reads sizes through <c>size(dim)</c> or this helper instead; <c>shape</c> stays for error messages.
    /// </remarks>
    internal static class TensorSizes
    {
        /// <summary>All sizes of <paramref name="t"/>, like <c>t.shape</c>.</summary>
        public static long[] Of(Tensor t)
        {
            var sizes = new long[t.dim()];
            for (int i = 0; i < sizes.Length; i++) sizes[i] = t.size(i);
            return sizes;
        }
    }
}
