using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The integer products of <see cref="IntegerDot"/> on 512-bit vectors with AVX-512BW: vpmaddubsw
/// and vpmaddwd on 64 bytes at a time (.NET 10 has no managed 512-bit vpdpbusd; AVX-VNNI's is
/// 256-bit only). The same bound as <see cref="Avx2Pairs"/> holds: weight codes below 128, two pair
/// sums of 4-bit codes at most 4·15·255 in a 16-bit lane. Exact, so every path gives the same sums.
/// </summary>
/// <remarks>
/// The packed layout is unchanged: 64 weight bytes are two of its groups, so masking gives the even
/// codes of both groups and shifting their odd codes, while the activation holds each group as its
/// even half then its odd half. One vshufi64x2 per half (shared by the four rows of
/// <see cref="DotPacked4Rows4"/>) gathers the two groups' even halves, and one their odd halves.
/// </remarks>
internal static class IntegerDotAvx512
{
    /// <summary>Columns per step: two groups of <see cref="PackedLayout"/>, one 64-byte load of weights.</summary>
    private const int Step = 2 * PackedLayout.Group;

    /// <summary>
    /// Whether the dispatchers take these kernels: AVX-512BW present and 512-bit vectors not switched
    /// off (DOTNET_EnableAVX512=0, or DOTNET_PreferredVectorBitWidth below 512, or a CPU the runtime
    /// judges to slow down on them). Both are constants of the process, so the choice is fixed.
    /// </summary>
    public static bool IsEnabled => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary><see cref="IntegerDot.DotPacked4"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotPacked4(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> packed)
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(packed);
        var sum = Vector512<int>.Zero;
        int i = 0;
        for (; i + Step <= n; i += Step)
        {
            var (even, odd) = Halves(ref a, i);
            sum = Accumulate(sum, even, odd, Vector512.LoadUnsafe(ref w, (nuint)(i / 2)));
        }

        if (i + PackedLayout.Group <= n)
        {
            sum = AccumulateGroup(sum, Vector512.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref w, (nuint)(i / 2)));
            i += PackedLayout.Group;
        }

        return Vector512.Sum(sum) + IntegerDot.DotPacked4Avx2Rest<Avx2Pairs>(activation, packed, i);
    }

    /// <summary><see cref="IntegerDot.DotPacked4Rows4"/> on 512-bit vectors: four rows share each activation load and shuffle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotPacked4Rows4(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> rows, int rowBytes, Span<int> results)
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(rows);
        Vector512<int> sum0 = default, sum1 = default, sum2 = default, sum3 = default;
        int i = 0;
        for (; i + Step <= n; i += Step)
        {
            var (even, odd) = Halves(ref a, i);
            nuint at = (nuint)(i / 2);
            sum0 = Accumulate(sum0, even, odd, Vector512.LoadUnsafe(ref w, at));
            sum1 = Accumulate(sum1, even, odd, Vector512.LoadUnsafe(ref w, at + (nuint)rowBytes));
            sum2 = Accumulate(sum2, even, odd, Vector512.LoadUnsafe(ref w, at + (nuint)(2 * rowBytes)));
            sum3 = Accumulate(sum3, even, odd, Vector512.LoadUnsafe(ref w, at + (nuint)(3 * rowBytes)));
        }

        if (i + PackedLayout.Group <= n)
        {
            var active = Vector512.LoadUnsafe(ref a, (nuint)i);
            nuint at = (nuint)(i / 2);
            sum0 = AccumulateGroup(sum0, active, Vector256.LoadUnsafe(ref w, at));
            sum1 = AccumulateGroup(sum1, active, Vector256.LoadUnsafe(ref w, at + (nuint)rowBytes));
            sum2 = AccumulateGroup(sum2, active, Vector256.LoadUnsafe(ref w, at + (nuint)(2 * rowBytes)));
            sum3 = AccumulateGroup(sum3, active, Vector256.LoadUnsafe(ref w, at + (nuint)(3 * rowBytes)));
            i += PackedLayout.Group;
        }

        // The half group, the tail and the reduction are the 256-bit kernel's (AVX-512BW implies AVX2).
        IntegerDot.FinishRows4<Avx2Pairs>(activation, rows[(i / 2)..], rowBytes, i, Fold(sum0), Fold(sum1), Fold(sum2), Fold(sum3), results);
    }

    /// <summary><see cref="IntegerDot.DotBytes"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int DotBytes(ReadOnlySpan<byte> activation, ReadOnlySpan<byte> codes)
    {
        int n = activation.Length;
        ref byte a = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(codes);
        var sum = Vector512<int>.Zero;
        int i = 0;
        for (; i + 64 <= n; i += 64)
        {
            var pairs = Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref w, (nuint)i).AsSByte());
            sum += Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1));
        }

        return Vector512.Sum(sum) + IntegerDot.DotBytesAvx2<Avx2Pairs>(activation[i..], codes[i..]);
    }

    // Two groups of the activation from column i, as [even halves of both] and [odd halves of both].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<byte> Even, Vector512<byte> Odd) Halves(ref byte a, int i)
    {
        var first = Vector512.LoadUnsafe(ref a, (nuint)i).AsUInt64();
        var second = Vector512.LoadUnsafe(ref a, (nuint)(i + PackedLayout.Group)).AsUInt64();
        return (Avx512F.Shuffle4x128(first, second, 0b01_00_01_00).AsByte(), Avx512F.Shuffle4x128(first, second, 0b11_10_11_10).AsByte());
    }

    // 128 products of two groups' activation codes with 64 bytes of packed 4-bit codes, added to sum.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Accumulate(Vector512<int> sum, Vector512<byte> even, Vector512<byte> odd, Vector512<byte> bytes)
    {
        var mask = Vector512.Create((byte)0x0F);
        var evenCodes = (bytes & mask).AsSByte();
        var oddCodes = (Vector512.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask).AsSByte();
        var pairs = Avx512BW.MultiplyAddAdjacent(even, evenCodes) + Avx512BW.MultiplyAddAdjacent(odd, oddCodes);
        return sum + Avx512BW.MultiplyAddAdjacent(pairs, Vector512.Create((short)1));
    }

    // 64 products of one group (its even half then its odd half) with its 32 packed bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> AccumulateGroup(Vector512<int> sum, Vector512<byte> active, Vector256<byte> bytes)
    {
        var mask = Vector256.Create((byte)0x0F);
        var codes = Vector512.Create(bytes & mask, Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask).AsSByte();
        return sum + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(active, codes), Vector512.Create((short)1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Fold(Vector512<int> sum) => sum.GetLower() + sum.GetUpper();
}
