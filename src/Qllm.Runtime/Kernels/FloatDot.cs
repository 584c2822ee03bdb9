using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// Float dot products: float·float (the fp32 path, attention), float activations against packed
/// 4-bit codes (weight-only artifacts) and against one-byte codes (the 8-bit embedding used as the
/// classifier). Codes are widened to float in registers; the weights stay packed in memory. Where
/// 512-bit vectors are enabled, <see cref="FloatDotAvx512"/> takes over.
/// </summary>
internal static class FloatDot
{
    /// <summary>2²³: floats from it up to 2²⁴ are the integers, one apart, so a code ORed into its mantissa is 2²³ + code.</summary>
    private const float ShiftedZeroBase = 8388608f;

    /// <summary>The bits of <see cref="ShiftedZeroBase"/>.</summary>
    private const int ShiftedZeroBits = 0x4B000000;

    /// <summary>Σ a[j]·b[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (FloatDotAvx512.IsEnabled)
        {
            return FloatDotAvx512.Dot(a, b);
        }

        int n = a.Length;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                acc0 = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), acc0);
                acc1 = MultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)), Vector256.LoadUnsafe(ref y, (nuint)(i + 8)), acc1);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            var acc = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                acc += Vector128.LoadUnsafe(ref x, (nuint)i) * Vector128.LoadUnsafe(ref y, (nuint)i);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Σ x[j]·(c[j] − zero) over a row of packed 4-bit codes; <paramref name="activation"/> is in <see cref="PackedLayout"/> order.</summary>
    /// <remarks>The zero point is subtracted per element, not from the sum: Σx·c and zero·Σx are both large and nearly cancel.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotPacked4(ReadOnlySpan<float> activation, ReadOnlySpan<byte> packed, float zero)
    {
        if (FloatDotAvx512.IsEnabled)
        {
            return FloatDotAvx512.DotPacked4(activation, packed, zero);
        }

        int n = activation.Length;
        ref float x = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(packed);
        int i = 0;
        float sum = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var mask = Vector128.Create((byte)0x0F);
            var z = Vector256.Create(zero);
            var acc = Vector256<float>.Zero;
            for (; i + PackedLayout.Group <= n; i += PackedLayout.Group)
            {
                var first = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
                var second = Vector128.LoadUnsafe(ref w, (nuint)((i / 2) + 16));
                acc = AccumulateCodes(z, first & mask, ref x, i, acc);
                acc = AccumulateCodes(z, second & mask, ref x, i + 16, acc);
                acc = AccumulateCodes(z, Vector128.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & mask, ref x, i + 32, acc);
                acc = AccumulateCodes(z, Vector128.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & mask, ref x, i + 48, acc);
            }

            if (i + PackedLayout.HalfGroup <= n)
            {
                var bytes = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
                acc = AccumulateCodes(z, bytes & mask, ref x, i, acc);
                acc = AccumulateCodes(z, Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask, ref x, i + 16, acc);
                i += PackedLayout.HalfGroup;
            }

            sum = Vector256.Sum(acc);
        }
        else
        {
            // The definition, for hardware without vectors: the same order, one code at a time.
            for (; i + PackedLayout.HalfGroup <= n; i += PackedLayout.HalfGroup)
            {
                int size = i % PackedLayout.Group == 0 && i + PackedLayout.Group <= n ? PackedLayout.Group : PackedLayout.HalfGroup;
                for (int k = 0; k < size / 2; k++)
                {
                    byte b = packed[(i / 2) + k];
                    sum += (activation[i + k] * ((b & 0x0F) - zero)) + (activation[i + (size / 2) + k] * ((b >> 4) - zero));
                }

                i += size - PackedLayout.HalfGroup;
            }
        }

        for (; i < n; i++)
        {
            sum += activation[i] * (((packed[i >> 1] >> ((i & 1) * 4)) & 0x0F) - zero);
        }

        return sum;
    }

    /// <summary>Σ x[j]·(c[j] − zero) over a row of one-byte codes, both in natural order; the zero point is an integer of magnitude at most 2²² (the artifact's are).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotBytes(ReadOnlySpan<float> activation, ReadOnlySpan<byte> codes, float zero)
    {
        if (FloatDotAvx512.IsEnabled)
        {
            return FloatDotAvx512.DotBytes(activation, codes, zero);
        }

        return Avx2.IsSupported && Fma.IsSupported ? DotBytesAvx2(activation, codes, zero) : DotBytesPortable(activation, codes, zero);
    }

    /// <summary>
    /// <see cref="DotBytes"/> for four consecutive rows of <paramref name="rows"/> (each as long as
    /// the activation) with their zero points. AVX2 + FMA or AVX-512F only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotBytesRows4(ReadOnlySpan<float> activation, ReadOnlySpan<byte> rows, ReadOnlySpan<float> zeros, Span<float> results)
    {
        if (FloatDotAvx512.IsEnabled)
        {
            FloatDotAvx512.DotBytesRows4(activation, rows, zeros, results);
        }
        else
        {
            DotBytesRows4Avx2(activation, rows, zeros, results);
        }
    }

    /// <summary>
    /// <see cref="DotBytes"/> for four consecutive rows of <paramref name="rows"/> (each as long as
    /// the activation) with their zero points: each activation load serves four rows. AVX2 + FMA only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DotBytesRows4Avx2(ReadOnlySpan<float> activation, ReadOnlySpan<byte> rows, ReadOnlySpan<float> zeros, Span<float> results)
    {
        int n = activation.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows.Length, 4 * n, nameof(rows));
        fixed (float* x = activation)
        fixed (byte* w = rows)
        {
            BytesRows4(x, n, w, rowStride: n, groupStride: InterleavedRows.GroupBytes, restStride: n, zeros, results);
        }
    }

    /// <summary>
    /// <see cref="DotBytesRows4Avx2"/> for a block of four rows in <see cref="InterleavedRows"/> order,
    /// which a product reads front to back as one stream. The sums are formed in the same order, so
    /// the results are the row-major kernel's bits. AVX2 + FMA only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void DotBytesInterleaved4(ReadOnlySpan<float> activation, ReadOnlySpan<byte> block, ReadOnlySpan<float> zeros, Span<float> results)
    {
        int n = activation.Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(block.Length, 4 * n, nameof(block));
        const int GroupBytes = InterleavedRows.GroupBytes;
        fixed (float* x = activation)
        fixed (byte* w = block)
        {
            BytesRows4(x, n, w, rowStride: GroupBytes, groupStride: InterleavedRows.Rows * GroupBytes, restStride: n % GroupBytes, zeros, results);
        }
    }

    /// <summary>
    /// Four rows of byte codes against float activations in either layout: the 32-byte group g of row
    /// r is at g·<paramref name="groupStride"/> + r·<paramref name="rowStride"/>, and each row's rest
    /// starts after the last group, rows <paramref name="restStride"/> apart. Every row takes its
    /// columns eight at a time in order, then a scalar tail. Inlined into each layout's kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void BytesRows4(float* x, int n, byte* w, int rowStride, int groupStride, int restStride, ReadOnlySpan<float> zeros, Span<float> results)
    {
        const int GroupBytes = InterleavedRows.GroupBytes;
        Vector256<float> z0 = ShiftedZero(zeros[0]), z1 = ShiftedZero(zeros[1]), z2 = ShiftedZero(zeros[2]), z3 = ShiftedZero(zeros[3]);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int i = 0;
        byte* group = w;
        for (; i + GroupBytes <= n; i += GroupBytes, group += groupStride)
        {
            for (int k = 0; k < GroupBytes; k += 8)
            {
                var xv = Avx.LoadVector256(x + i + k);
                acc0 = Fma.MultiplyAdd(ShiftedCodes(group + k) - z0, xv, acc0);
                acc1 = Fma.MultiplyAdd(ShiftedCodes(group + rowStride + k) - z1, xv, acc1);
                acc2 = Fma.MultiplyAdd(ShiftedCodes(group + (2 * rowStride) + k) - z2, xv, acc2);
                acc3 = Fma.MultiplyAdd(ShiftedCodes(group + (3 * rowStride) + k) - z3, xv, acc3);
            }
        }

        // The rests: row r's columns i.. start at rest + r·restStride.
        byte* rest = group;
        int restStart = i;
        for (; i + 8 <= n; i += 8)
        {
            var xv = Avx.LoadVector256(x + i);
            byte* at = rest + (i - restStart);
            acc0 = Fma.MultiplyAdd(ShiftedCodes(at) - z0, xv, acc0);
            acc1 = Fma.MultiplyAdd(ShiftedCodes(at + restStride) - z1, xv, acc1);
            acc2 = Fma.MultiplyAdd(ShiftedCodes(at + (2 * restStride)) - z2, xv, acc2);
            acc3 = Fma.MultiplyAdd(ShiftedCodes(at + (3 * restStride)) - z3, xv, acc3);
        }

        results[0] = Vector256.Sum(acc0);
        results[1] = Vector256.Sum(acc1);
        results[2] = Vector256.Sum(acc2);
        results[3] = Vector256.Sum(acc3);
        for (; i < n; i++)
        {
            for (int r = 0; r < 4; r++)
            {
                results[r] += x[i] * (rest[(r * restStride) + (i - restStart)] - zeros[r]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float DotBytesPortable(ReadOnlySpan<float> activation, ReadOnlySpan<byte> codes, float zero)
    {
        int n = activation.Length;
        ref float x = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(codes);
        int i = 0;
        float sum = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            var z = Vector256.Create(zero);
            var acc = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                acc = AccumulateCodes(z, Vector128.LoadUnsafe(ref w, (nuint)i), ref x, i, acc);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += activation[i] * (codes[i] - zero);
        }

        return sum;
    }

    // The classifier's loop (32000 rows of 8-bit codes per token): vpmovzxbd widens 8 codes straight
    // from memory, so each 8 products cost a widening load, an OR, a subtraction and an FMA.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe float DotBytesAvx2(ReadOnlySpan<float> activation, ReadOnlySpan<byte> codes, float zero)
    {
        int n = activation.Length;
        int i = 0;
        float sum;
        fixed (float* x = activation)
        fixed (byte* w = codes)
        {
            var z = ShiftedZero(zero);
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var c0 = ShiftedCodes(w + i) - z;
                var c1 = ShiftedCodes(w + i + 8) - z;
                acc0 = Fma.MultiplyAdd(c0, Avx.LoadVector256(x + i), acc0);
                acc1 = Fma.MultiplyAdd(c1, Avx.LoadVector256(x + i + 8), acc1);
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += activation[i] * (codes[i] - zero);
        }

        return sum;
    }

    /// <summary>2²³ + zero in every lane, the subtrahend of <see cref="ShiftedCodes"/>; exact for an integer zero point of magnitude below 2²².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> ShiftedZero(float zero) => Vector256.Create(ShiftedZeroBase + zero);

    /// <summary>
    /// Eight codes as the floats 2²³ + c: the code in the mantissa of 2²³ (an OR, where a conversion
    /// would take the same ports as the subtraction after it). Minus <see cref="ShiftedZero"/> that is
    /// c − zero exactly, the value a conversion and a subtraction give, so the sums do not change.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> ShiftedCodes(byte* codes) =>
        (Avx2.ConvertToVector256Int32(codes) | Vector256.Create(ShiftedZeroBits)).AsSingle();

    // acc += (codes[0..16) − zero) · x[at..at+16)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> AccumulateCodes(Vector256<float> zero, Vector128<byte> codes, ref float x, int at, Vector256<float> acc)
    {
        var (low, high) = Vector128.Widen(codes);
        var (c0, c1) = Vector128.Widen(low);
        var (c2, c3) = Vector128.Widen(high);
        var first = Vector256.Create(Vector128.ConvertToSingle(c0.AsInt32()), Vector128.ConvertToSingle(c1.AsInt32())) - zero;
        var second = Vector256.Create(Vector128.ConvertToSingle(c2.AsInt32()), Vector128.ConvertToSingle(c3.AsInt32())) - zero;
        acc = MultiplyAdd(first, Vector256.LoadUnsafe(ref x, (nuint)at), acc);
        return MultiplyAdd(second, Vector256.LoadUnsafe(ref x, (nuint)(at + 8)), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;
}
