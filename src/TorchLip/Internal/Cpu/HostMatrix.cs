using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Internal.Cpu
{
    /// <summary>
    /// Element-wise work on small square CPU matrices done in place on their memory: I − Q with its norm, the
    /// symmetric parts the third-order step needs. Each is one pass over a few thousand values, where a libtorch
    /// operation costs a dispatch, an allocation and, for a transposed operand, a strided walk (40–90 µs at 128×128).
    /// </summary>
    internal static class HostMatrix
    {
        /// <summary>Whether <paramref name="t"/> can be handled here: a CPU float32/float64 tensor.</summary>
        public static bool Supports(Tensor t) =>
            t.device_type == DeviceType.CPU && (t.dtype == ScalarType.Float32 || t.dtype == ScalarType.Float64);

        /// <summary>The values of a contiguous CPU tensor of element type <typeparamref name="T"/>.</summary>
        public static Span<T> Values<T>(Tensor contiguous) where T : unmanaged => MemoryMarshal.Cast<byte, T>(contiguous.bytes);

        /// <summary>x ← I − x for a contiguous n×n matrix; returns ‖I − x‖_F.</summary>
        public static double IdentityMinus<T>(Span<T> x, int n) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var vectors = MemoryMarshal.Cast<T, Vector256<T>>(x);
            for (int i = 0; i < vectors.Length; i++) vectors[i] = -vectors[i];
            for (int i = vectors.Length * Vector256<T>.Count; i < x.Length; i++) x[i] = -x[i];
            for (int i = 0; i < n; i++) x[i * n + i] += T.One;
            return FrobeniusNorm<T>(x);
        }

        /// <summary>The Frobenius norm (four vector partial sums, then float64).</summary>
        public static double FrobeniusNorm<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var vectors = MemoryMarshal.Cast<T, Vector256<T>>(x);
            Vector256<T> s0 = Vector256<T>.Zero, s1 = s0, s2 = s0, s3 = s0;
            int i = 0;
            for (; i + 4 <= vectors.Length; i += 4)
            {
                s0 += vectors[i] * vectors[i];
                s1 += vectors[i + 1] * vectors[i + 1];
                s2 += vectors[i + 2] * vectors[i + 2];
                s3 += vectors[i + 3] * vectors[i + 3];
            }
            for (; i < vectors.Length; i++) s0 += vectors[i] * vectors[i];
            double sum = double.CreateTruncating(Vector256.Sum(s0)) + double.CreateTruncating(Vector256.Sum(s1))
                + double.CreateTruncating(Vector256.Sum(s2)) + double.CreateTruncating(Vector256.Sum(s3));
            for (int j = vectors.Length * Vector256<T>.Count; j < x.Length; j++)
            {
                double d = double.CreateTruncating(x[j]);
                sum += d * d;
            }
            return Math.Sqrt(sum);
        }

        /// <summary>Σ x², accumulated in float64 (each square exact for float32 values).</summary>
        public static double SquaredNorm<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double d = double.CreateTruncating(x[i]);
                sum += d * d;
            }
            return sum;
        }

        /// <summary>x ← a·x + b·y, element-wise.</summary>
        public static void Combine<T>(Span<T> x, T a, ReadOnlySpan<T> y, T b) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (y.Length != x.Length) throw new ArgumentException("HostMatrix.Combine: x and y differ in length.");
            var xv = MemoryMarshal.Cast<T, Vector256<T>>(x);
            var yv = MemoryMarshal.Cast<T, Vector256<T>>(y);
            Vector256<T> av = Vector256.Create(a), bv = Vector256.Create(b);
            for (int i = 0; i < xv.Length; i++) xv[i] = av * xv[i] + bv * yv[i];
            for (int i = xv.Length * Vector256<T>.Count; i < x.Length; i++) x[i] = a * x[i] + b * y[i];
        }

        /// <summary>dst ← a·(x + xᵀ) + b·y for n×n matrices (y ignored when b is 0); dst must not overlap x.</summary>
        public static void SymmetricPart<T>(ReadOnlySpan<T> x, T a, ReadOnlySpan<T> y, T b, Span<T> dst, int n)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            int size = checked(n * n);
            if (x.Length < size || dst.Length < size || (b != T.Zero && y.Length < size))
                throw new ArgumentException($"HostMatrix.SymmetricPart: spans too short for {n}×{n}.");
            if (typeof(T) == typeof(float) && Avx.IsSupported && n % 8 == 0)
            {
                SymmetricPartAvx(MemoryMarshal.Cast<T, float>(x), float.CreateTruncating(a), MemoryMarshal.Cast<T, float>(b == T.Zero ? x : y),
                    float.CreateTruncating(b), MemoryMarshal.Cast<T, float>(dst), n);
                return;
            }
            // The upper triangle only, each value written to both places; square tiles keep the column walk in cache.
            const int Tile = 16;
            ref T x0 = ref MemoryMarshal.GetReference(x);
            ref T d0 = ref MemoryMarshal.GetReference(dst);
            ref T y0 = ref b == T.Zero ? ref x0 : ref MemoryMarshal.GetReference(y);
            for (int i0 = 0; i0 < n; i0 += Tile)
                for (int j0 = i0; j0 < n; j0 += Tile)
                {
                    int iEnd = Math.Min(n, i0 + Tile), jEnd = Math.Min(n, j0 + Tile);
                    for (int i = i0; i < iEnd; i++)
                        for (int j = Math.Max(j0, i); j < jEnd; j++)
                        {
                            int ij = i * n + j, ji = j * n + i;
                            T v = a * (Unsafe.Add(ref x0, ij) + Unsafe.Add(ref x0, ji));
                            Unsafe.Add(ref d0, ij) = v + b * Unsafe.Add(ref y0, ij);
                            Unsafe.Add(ref d0, ji) = v + b * Unsafe.Add(ref y0, ji);
                        }
                }
        }

        // SymmetricPart on 8×8 tiles: tile (I, J) and the transpose of tile (J, I) give both outputs at once.
        private static void SymmetricPartAvx(ReadOnlySpan<float> x, float a, ReadOnlySpan<float> y, float b, Span<float> dst, int n)
        {
            ref float x0 = ref MemoryMarshal.GetReference(x);
            ref float y0 = ref MemoryMarshal.GetReference(y);
            ref float d0 = ref MemoryMarshal.GetReference(dst);
            var av = Vector256.Create(a);
            var bv = Vector256.Create(b);
            Span<Vector256<float>> upper = stackalloc Vector256<float>[8], lower = stackalloc Vector256<float>[8];
            for (int i0 = 0; i0 < n; i0 += 8)
                for (int j0 = i0; j0 < n; j0 += 8)
                {
                    for (int r = 0; r < 8; r++)
                    {
                        upper[r] = Vector256.LoadUnsafe(ref x0, (nuint)((i0 + r) * n + j0));
                        lower[r] = Vector256.LoadUnsafe(ref x0, (nuint)((j0 + r) * n + i0));
                    }
                    Transpose8(lower);
                    for (int r = 0; r < 8; r++) upper[r] = av * (upper[r] + lower[r]);   // a·(x + xᵀ) on tile (I, J)
                    for (int r = 0; r < 8; r++)
                        (upper[r] + bv * Vector256.LoadUnsafe(ref y0, (nuint)((i0 + r) * n + j0))).StoreUnsafe(ref d0, (nuint)((i0 + r) * n + j0));
                    Transpose8(upper);
                    for (int r = 0; r < 8; r++)
                        (upper[r] + bv * Vector256.LoadUnsafe(ref y0, (nuint)((j0 + r) * n + i0))).StoreUnsafe(ref d0, (nuint)((j0 + r) * n + i0));
                }
        }

        private static void Transpose8(Span<Vector256<float>> r)
        {
            var t0 = Avx.UnpackLow(r[0], r[1]); var t1 = Avx.UnpackHigh(r[0], r[1]);
            var t2 = Avx.UnpackLow(r[2], r[3]); var t3 = Avx.UnpackHigh(r[2], r[3]);
            var t4 = Avx.UnpackLow(r[4], r[5]); var t5 = Avx.UnpackHigh(r[4], r[5]);
            var t6 = Avx.UnpackLow(r[6], r[7]); var t7 = Avx.UnpackHigh(r[6], r[7]);
            var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
            r[0] = Avx.Permute2x128(u0, u4, 0x20); r[1] = Avx.Permute2x128(u1, u5, 0x20);
            r[2] = Avx.Permute2x128(u2, u6, 0x20); r[3] = Avx.Permute2x128(u3, u7, 0x20);
            r[4] = Avx.Permute2x128(u0, u4, 0x31); r[5] = Avx.Permute2x128(u1, u5, 0x31);
            r[6] = Avx.Permute2x128(u2, u6, 0x31); r[7] = Avx.Permute2x128(u3, u7, 0x31);
        }
    }
}
