using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// Exact integer dot products of unsigned activation codes with unsigned weight codes: the inner
/// loop of every quantized linear. The AVX2 kernels take how byte pairs are multiplied as a type
/// argument: AVX-VNNI's vpdpbusd (<see cref="VnniPairs"/>) where present, else vpmaddubsw, which
/// treats the weight operand as signed, so weight codes must stay below 128 and a pair sum below
/// 2¹⁵ (<see cref="Avx2Pairs"/>, <see cref="Fits"/>; the 4-bit path adds two pair sums, 4·15·255 at
/// most). The portable path widens through Vector128 (NEON, SSE2); the scalar path is the definition.
/// </summary>
internal static class IntegerDot
{
    /// <summary>Whether the AVX2 path's 16-bit pair sums cannot saturate for these bit widths.</summary>
    public static bool Fits(int weightBits, int activationBits) =>
        weightBits <= 7 && activationBits <= 8 && 2 * ((1 << weightBits) - 1) * ((1 << activationBits) - 1) <= short.MaxValue;

    /// <summary>Σ a[j]·c[j] over a row of packed 4-bit codes; <paramref name="activation"/> is in <see cref="PackedLayout"/> order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotPacked4(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
    {
        if (IntegerDotAvx512.IsEnabled)
        {
            return IntegerDotAvx512.DotPacked4(activation, packed);
        }

        if (Avx2.IsSupported)
        {
            return AvxVnni.IsSupported ? DotPacked4Avx2<VnniPairs>(activation, packed) : DotPacked4Avx2<Avx2Pairs>(activation, packed);
        }

        return Vector128.IsHardwareAccelerated ? DotPacked4Vector128(activation, packed) : DotPacked4Scalar(activation, packed);
    }

    /// <summary>Σ a[j]·c[j] over a row of one-byte codes, both in natural order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotBytes(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> codes)
    {
        if (IntegerDotAvx512.IsEnabled)
        {
            return IntegerDotAvx512.DotBytes(activation, codes);
        }

        if (Avx2.IsSupported)
        {
            return AvxVnni.IsSupported ? DotBytesAvx2<VnniPairs>(activation, codes) : DotBytesAvx2<Avx2Pairs>(activation, codes);
        }

        return Vector128.IsHardwareAccelerated ? DotBytesVector128(activation, codes) : DotBytesScalar(activation, codes, 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotPacked4Avx2<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
        where TPairs : struct, IBytePairProducts
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(packed);
        var mask = Vector256.Create((byte)0x0F);
        var sum = Vector256<int>.Zero;
        int i = 0;
        for (; i + PackedLayout.Group <= n; i += PackedLayout.Group)
        {
            sum = Accumulate<TPairs>(sum, Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref a, (nuint)(i + 32)), Vector256.LoadUnsafe(ref w, (nuint)(i / 2)), mask);
        }

        return Vector256.Sum(sum) + DotPacked4Avx2Rest<TPairs>(activation, packed, i);
    }

    /// <summary>
    /// <see cref="DotPacked4"/> for four consecutive rows of <paramref name="rows"/> (each
    /// <paramref name="rowBytes"/> long) at once: each activation load serves four rows, and the
    /// call and the final reductions are shared. AVX2 or AVX-512BW only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotPacked4Rows4(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> rows, int rowBytes, Span<int> results)
    {
        if (IntegerDotAvx512.IsEnabled)
        {
            IntegerDotAvx512.DotPacked4Rows4(activation, rows, rowBytes, results);
        }
        else if (AvxVnni.IsSupported)
        {
            DotPacked4Rows4Avx2<VnniPairs>(activation, rows, rowBytes, results);
        }
        else
        {
            DotPacked4Rows4Avx2<Avx2Pairs>(activation, rows, rowBytes, results);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotPacked4Rows4Avx2<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> rows, int rowBytes, Span<int> results)
        where TPairs : struct, IBytePairProducts =>
        Blocks4<TPairs>(activation, rows, rowStride: rowBytes, groupStride: PackedLayout.Group / 2, restStride: rowBytes, results);

    /// <summary>
    /// <see cref="DotPacked4Rows4"/> on a block of four rows in <see cref="InterleavedRows"/> order:
    /// the same sums, read as one stream. AVX2 only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotPacked4Interleaved4(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> block, Span<int> results)
    {
        if (AvxVnni.IsSupported)
        {
            DotPacked4Interleaved4Avx2<VnniPairs>(activation, block, results);
        }
        else
        {
            DotPacked4Interleaved4Avx2<Avx2Pairs>(activation, block, results);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void DotPacked4Interleaved4Avx2<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> block, Span<int> results)
        where TPairs : struct, IBytePairProducts
    {
        const int GroupBytes = PackedLayout.Group / 2;
        int n = activation.Length;
        int restStride = ((n + 1) / 2) - (n / PackedLayout.Group * GroupBytes);
        Blocks4<TPairs>(activation, block, rowStride: GroupBytes, groupStride: 4 * GroupBytes, restStride, results);
    }

    /// <summary>
    /// The four-row product over the full groups of either layout: group g of row r is at
    /// g·<paramref name="groupStride"/> + r·<paramref name="rowStride"/>, and each row's rest starts
    /// after the last group, rows <paramref name="restStride"/> apart. Inlined into each layout's
    /// kernel, so the strides are constants where they are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Blocks4<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> rows, int rowStride, int groupStride, int restStride, Span<int> results)
        where TPairs : struct, IBytePairProducts
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(rows);
        var mask = Vector256.Create((byte)0x0F);
        Vector256<int> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
        int i = 0;
        nuint at = 0;
        for (; i + PackedLayout.Group <= n; i += PackedLayout.Group, at += (nuint)groupStride)
        {
            var even = Vector256.LoadUnsafe(ref a, (nuint)i);
            var odd = Vector256.LoadUnsafe(ref a, (nuint)(i + 32));
            sum0 = Accumulate<TPairs>(sum0, even, odd, Vector256.LoadUnsafe(ref w, at), mask);
            sum1 = Accumulate<TPairs>(sum1, even, odd, Vector256.LoadUnsafe(ref w, at + (nuint)rowStride), mask);
            sum2 = Accumulate<TPairs>(sum2, even, odd, Vector256.LoadUnsafe(ref w, at + (nuint)(2 * rowStride)), mask);
            sum3 = Accumulate<TPairs>(sum3, even, odd, Vector256.LoadUnsafe(ref w, at + (nuint)(3 * rowStride)), mask);
        }

        FinishRows4<TPairs>(activation, rows[(int)at..], restStride, i, sum0, sum1, sum2, sum3, results);
    }

    /// <summary>
    /// The end of a four-row product from column <paramref name="start"/> on (a half group and the
    /// natural tail), added to the four rows' partial sums, with one horizontal reduction. Row r's
    /// bytes from that column on start at <paramref name="rest"/>[r·<paramref name="stride"/>].
    /// Inlined, so the partial sums stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FinishRows4<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> rest, int stride, int start, Vector256<int> sum0, Vector256<int> sum1, Vector256<int> sum2, Vector256<int> sum3, Span<int> results)
        where TPairs : struct, IBytePairProducts
    {
        int n = activation.Length;
        int i = start;
        if (i + PackedLayout.HalfGroup <= n)
        {
            ref byte w = ref MemoryMarshal.GetReference(rest);
            var active = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(activation), (nuint)i);
            sum0 = AccumulateHalfGroup<TPairs>(sum0, active, Vector128.LoadUnsafe(ref w));
            sum1 = AccumulateHalfGroup<TPairs>(sum1, active, Vector128.LoadUnsafe(ref w, (nuint)stride));
            sum2 = AccumulateHalfGroup<TPairs>(sum2, active, Vector128.LoadUnsafe(ref w, (nuint)(2 * stride)));
            sum3 = AccumulateHalfGroup<TPairs>(sum3, active, Vector128.LoadUnsafe(ref w, (nuint)(3 * stride)));
            i += PackedLayout.HalfGroup;
        }

        // One horizontal reduction for the four rows: [s0 s1 s2 s3] in the low 128 bits.
        var pairs = Avx2.HorizontalAdd(Avx2.HorizontalAdd(sum0, sum1), Avx2.HorizontalAdd(sum2, sum3));
        var totals = pairs.GetLower() + pairs.GetUpper();
        int done = (i - start) / 2;
        for (int r = 0; r < 4; r++)
        {
            results[r] = totals.GetElement(r) + (i < n ? Packed4Tail(activation[i..], rest.Slice((r * stride) + done, (n - i + 1) / 2), 0) : 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> AccumulateHalfGroup<TPairs>(Vector256<int> sum, Vector256<byte> active, Vector128<byte> bytes)
        where TPairs : struct, IBytePairProducts
    {
        var mask = Vector128.Create((byte)0x0F);
        var codes = Vector256.Create(bytes & mask, Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask).AsSByte();
        return TPairs.Add(sum, active, codes);
    }

    // 64 products of activation codes with a group of packed 4-bit codes, added to sum.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Accumulate<TPairs>(Vector256<int> sum, Vector256<byte> even, Vector256<byte> odd, Vector256<byte> bytes, Vector256<byte> mask)
        where TPairs : struct, IBytePairProducts
    {
        var evenCodes = (bytes & mask).AsSByte();
        var oddCodes = (Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask).AsSByte();
        return TPairs.Add(sum, even, evenCodes, odd, oddCodes);
    }

    // The half group and the natural tail after the full groups, from column start.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotPacked4Avx2Rest<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed, int start)
        where TPairs : struct, IBytePairProducts
    {
        int i = start;
        int sum = 0;
        if (i + PackedLayout.HalfGroup <= activation.Length)
        {
            var active = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(activation), (nuint)i);
            sum = Vector256.Sum(AccumulateHalfGroup<TPairs>(Vector256<int>.Zero, active, Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(packed), (nuint)(i / 2))));
            i += PackedLayout.HalfGroup;
        }

        return sum + Packed4Tail(activation, packed, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotPacked4Vector128(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(packed);
        var mask = Vector128.Create((byte)0x0F);
        var sum = Vector128<uint>.Zero;
        int i = 0;
        for (; i + PackedLayout.Group <= n; i += PackedLayout.Group)
        {
            var first = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
            var second = Vector128.LoadUnsafe(ref w, (nuint)((i / 2) + 16));
            sum += MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)i), first & mask)
                + MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)(i + 16)), second & mask)
                + MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)(i + 32)), HighNibbles(first, mask))
                + MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)(i + 48)), HighNibbles(second, mask));
        }

        if (i + PackedLayout.HalfGroup <= n)
        {
            var bytes = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
            sum += MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)i), bytes & mask)
                + MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)(i + 16)), HighNibbles(bytes, mask));
            i += PackedLayout.HalfGroup;
        }

        return (int)Vector128.Sum(sum) + Packed4Tail(activation, packed, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotPacked4Scalar(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
    {
        int n = activation.Length;
        int sum = 0;
        int i = 0;
        for (; i + PackedLayout.Group <= n; i += PackedLayout.Group)
        {
            sum += SplitGroup(activation.Slice(i, PackedLayout.Group), packed.Slice(i / 2, PackedLayout.Group / 2));
        }

        if (i + PackedLayout.HalfGroup <= n)
        {
            sum += SplitGroup(activation.Slice(i, PackedLayout.HalfGroup), packed.Slice(i / 2, PackedLayout.HalfGroup / 2));
            i += PackedLayout.HalfGroup;
        }

        return sum + Packed4Tail(activation, packed, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotBytesAvx2<TPairs>(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> codes)
        where TPairs : struct, IBytePairProducts
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(codes);
        var sum = Vector256<int>.Zero;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var active = Vector256.LoadUnsafe(ref a, (nuint)i);
            sum = TPairs.Add(sum, active, Vector256.LoadUnsafe(ref w, (nuint)i).AsSByte());
        }

        return Vector256.Sum(sum) + DotBytesScalar(activation, codes, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotBytesVector128(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> codes)
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(codes);
        var sum = Vector128<uint>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            sum += MultiplyWidening(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref w, (nuint)i));
        }

        return (int)Vector128.Sum(sum) + DotBytesScalar(activation, codes, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int DotBytesScalar(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> codes, int start)
    {
        int sum = 0;
        for (int i = start; i < activation.Length; i++)
        {
            sum += activation[i] * codes[i];
        }

        return sum;
    }

    // Products of at most 255·127 fit 16 bits; pairs are summed only after widening to 32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> MultiplyWidening(Vector128<byte> a, Vector128<byte> b)
    {
        var (aLow, aHigh) = Vector128.Widen(a);
        var (bLow, bHigh) = Vector128.Widen(b);
        var (p0, p1) = Vector128.Widen(aLow * bLow);
        var (p2, p3) = Vector128.Widen(aHigh * bHigh);
        return p0 + p1 + p2 + p3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> HighNibbles(Vector128<byte> bytes, Vector128<byte> mask) =>
        Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SplitGroup(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
    {
        int half = packed.Length;
        int sum = 0;
        for (int k = 0; k < half; k++)
        {
            sum += (activation[k] * (packed[k] & 0x0F)) + (activation[half + k] * (packed[k] >> 4));
        }

        return sum;
    }

    // The last (fewer than 32) columns are in natural order; the tail starts on an even column.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Packed4Tail(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed, int start)
    {
        int sum = 0;
        for (int j = start; j < activation.Length; j++)
        {
            sum += activation[j] * ((packed[j >> 1] >> ((j & 1) * 4)) & 0x0F);
        }

        return sum;
    }
}
