using System.Collections.Concurrent;
using System.Threading;
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
    /// A Scalar must also stay reachable until the native call that reads it returns: TorchSharp passes only its handle,
    /// so a temporary can be finalized (freed) by the collector while libtorch reads it ("Expected false to be true ...
    /// Scalar.h:140"). Cached Scalars are reachable forever; those made past the capacity are kept in a ring of the
    /// last <see cref="Capacity"/> so that they outlive the call they were made for.
    /// </remarks>
    internal static class ScalarCache
    {
        /// <summary>Distinct values kept; a training run uses a handful.</summary>
        public const int Capacity = 4096;

        private static readonly ConcurrentDictionary<double, Scalar> Values = new();
        private static readonly Scalar?[] Recent = new Scalar?[Capacity];
        private static int _next;

        /// <summary>The cached Scalar for <paramref name="value"/> (never dispose it).</summary>
        /// <param name="value">The constant.</param>
        public static Scalar Of(double value)
        {
            if (Values.TryGetValue(value, out var scalar)) return scalar;
            if (Values.Count >= Capacity)
            {
                // Left to its finalizer once Capacity more have been made, long after the call it is for.
                var made = value.ToScalar();
                Recent[(int)((uint)Interlocked.Increment(ref _next) % Capacity)] = made;
                return made;
            }
            return Values.GetOrAdd(value, v => v.ToScalar());
        }
    }
}
