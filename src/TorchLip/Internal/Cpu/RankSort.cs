using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// Stable ascending sort of short rows by counting ranks: element i goes to position #{j : x_j &lt; x_i} plus the
    /// number of equal elements before it. The n² comparisons run on SIMD vectors without a single data-dependent
    /// branch, which for the row lengths of dense activations (up to a few hundred) is several times faster than a
    /// comparison sort, whose cost on random data is dominated by mispredicted branches.
    /// </summary>
    /// <remarks>
    /// Values are compared through an order-preserving integer key (the IEEE bit pattern with the negative half
    /// reflected). As in torch.sort, −0 and +0 are equal and every NaN, whatever its sign or payload, comes after +∞;
    /// equal values keep their order, so the result is torch.sort's with stable: true. The values written are the
    /// inputs themselves, bit for bit.
    /// </remarks>
    internal static class RankSort
    {
        /// <summary>Longest row this sort is used for: beyond it the n² comparisons cost more than a comparison sort.</summary>
        public const int MaxLength = 256;

        /// <summary>Sorts each row of <paramref name="length"/> elements; <paramref name="indices"/> receives the source position of each value.</summary>
        public static void SortRows(ReadOnlySpan<float> input, Span<float> values, Span<long> indices, int length) =>
            SortRows<float, int, SingleKey>(input, values, indices, length);

        /// <inheritdoc cref="SortRows(ReadOnlySpan{float}, Span{float}, Span{long}, int)"/>
        public static void SortRows(ReadOnlySpan<double> input, Span<double> values, Span<long> indices, int length) =>
            SortRows<double, long, DoubleKey>(input, values, indices, length);

        private interface IKey<T, TKey>
        {
            static abstract TKey Of(T value);
        }

        private readonly struct SingleKey : IKey<float, int>
        {
            public static int Of(float value)
            {
                int bits = float.IsNaN(value) ? 0x7FC00000 : value == 0 ? 0 : BitConverter.SingleToInt32Bits(value);
                return bits >= 0 ? bits : bits ^ int.MaxValue;
            }
        }

        private readonly struct DoubleKey : IKey<double, long>
        {
            public static long Of(double value)
            {
                long bits = double.IsNaN(value) ? 0x7FF8000000000000 : value == 0 ? 0 : BitConverter.DoubleToInt64Bits(value);
                return bits >= 0 ? bits : bits ^ long.MaxValue;
            }
        }

        private static void SortRows<T, TKey, TMap>(ReadOnlySpan<T> input, Span<T> values, Span<long> indices, int length)
            where TKey : unmanaged, IBinaryInteger<TKey>, IMinMaxValue<TKey>
            where TMap : IKey<T, TKey>
        {
            if (length <= 0 || length > MaxLength)
                throw new ArgumentOutOfRangeException(nameof(length), length, $"RankSort sorts rows of 1 to {MaxLength} elements.");
            int lanes = Vector<TKey>.Count;
            int padded = (length + lanes - 1) / lanes * lanes;
            int padding = padded - length;
            // The padding keys are the minimum, below every real key (no value maps to it): they add the same count to every rank.
            Span<TKey> keys = stackalloc TKey[padded];
            keys.Fill(TKey.MinValue);
            Span<int> less = stackalloc int[length];
            Span<int> placed = stackalloc int[length];
            var chunks = MemoryMarshal.Cast<TKey, Vector<TKey>>(keys);
            for (int start = 0; start < input.Length; start += length)
            {
                var row = input.Slice(start, length);
                for (int j = 0; j < length; j++) keys[j] = TMap.Of(row[j]);
                CountLess(chunks, keys, less, length, padding);
                placed.Clear();
                var sorted = values.Slice(start, length);
                var from = indices.Slice(start, length);
                for (int i = 0; i < length; i++)
                {
                    int position = less[i] + placed[less[i]]++;
                    sorted[position] = row[i];
                    from[position] = i;
                }
            }
        }

        private static void CountLess<TKey>(ReadOnlySpan<Vector<TKey>> chunks, ReadOnlySpan<TKey> keys, Span<int> less, int length, int padding)
            where TKey : unmanaged, IBinaryInteger<TKey>
        {
            int i = 0;
            // Four keys at a time: four independent accumulators keep the vector units busy.
            for (; i + 4 <= length; i += 4)
            {
                Vector<TKey> k0 = new(keys[i]), k1 = new(keys[i + 1]), k2 = new(keys[i + 2]), k3 = new(keys[i + 3]);
                Vector<TKey> a0 = default, a1 = default, a2 = default, a3 = default;
                foreach (var chunk in chunks)
                {
                    // A true comparison is all ones, i.e. −1: subtracting it counts.
                    a0 -= Vector.LessThan(chunk, k0);
                    a1 -= Vector.LessThan(chunk, k1);
                    a2 -= Vector.LessThan(chunk, k2);
                    a3 -= Vector.LessThan(chunk, k3);
                }
                less[i] = int.CreateTruncating(Vector.Sum(a0)) - padding;
                less[i + 1] = int.CreateTruncating(Vector.Sum(a1)) - padding;
                less[i + 2] = int.CreateTruncating(Vector.Sum(a2)) - padding;
                less[i + 3] = int.CreateTruncating(Vector.Sum(a3)) - padding;
            }
            for (; i < length; i++)
            {
                Vector<TKey> k = new(keys[i]), a = default;
                foreach (var chunk in chunks) a -= Vector.LessThan(chunk, k);
                less[i] = int.CreateTruncating(Vector.Sum(a)) - padding;
            }
        }
    }
}
