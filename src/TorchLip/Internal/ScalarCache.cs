using System.Collections.Concurrent;
using TorchSharp;

namespace TorchLip.Internal
{
    /// <summary>
    /// Native <see cref="Scalar"/>s for the constants of per-step code (a layer's k, a loss's α and margin), created once
    /// per distinct value and kept for the life of the process.
    /// </summary>
    /// <remarks>
    /// Every implicit double → Scalar conversion in TorchSharp allocates a native object that only its finalizer frees;
    /// made per step, they fragment the native heap and the resident size climbs until a garbage collection runs
    /// (measured: past 1 GB without periodic <c>GC.Collect()</c>). Per-step code takes its Scalars from here instead. The
    /// cache holds at most <see cref="Capacity"/> values; past that each call makes a Scalar left to its finalizer, so
    /// the cache is for constants, not for values computed per step.
    /// </remarks>
    internal static class ScalarCache
    {
        /// <summary>Distinct values kept; a training run uses a handful.</summary>
        public const int Capacity = 4096;

        private static readonly ConcurrentDictionary<double, Scalar> Values = new();

        /// <summary>The cached Scalar for <paramref name="value"/> (never dispose it).</summary>
        /// <param name="value">The constant.</param>
        public static Scalar Of(double value)
        {
            if (Values.TryGetValue(value, out var scalar)) return scalar;
            if (Values.Count >= Capacity) return value.ToScalar();   // left to its finalizer: only past the capacity
            return Values.GetOrAdd(value, v => v.ToScalar());
        }
    }
}
