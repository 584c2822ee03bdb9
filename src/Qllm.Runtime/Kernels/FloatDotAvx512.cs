using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The float products of <see cref="FloatDot"/> on 512-bit vectors (AVX-512F): codes widen 16 at a
/// time (vpmovzxbd zmm), convert, lose the zero point and meet the activation in one FMA. The sums
/// are float sums in another order than the 256-bit path's, so the two differ in the last bits;
/// each is within a few ulps of the exact sum (the tests' bound), and a process always takes the same one.
/// </summary>
internal static class FloatDotAvx512
{
    /// <summary>Whether the dispatchers take these kernels: see <see cref="IntegerDotAvx512.IsEnabled"/>.</summary>
    public static bool IsEnabled => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary><see cref="FloatDot.Dot"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i), acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)(i + 16)), Vector512.LoadUnsafe(ref y, (nuint)(i + 16)), acc1);
        }

        if (i + 16 <= n)
        {
            acc0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), Vector512.LoadUnsafe(ref y, (nuint)i), acc0);
            i += 16;
        }

        float sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary><see cref="FloatDot.DotPacked4"/> on 512-bit vectors; <paramref name="activation"/> is in <see cref="PackedLayout"/> order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotPacked4(ReadOnlySpan<float> activation, ReadOnlySpan<byte> packed, float zero)
    {
        int n = activation.Length;
        ref float x = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(packed);
        var mask = Vector128.Create((byte)0x0F);
        var z = Vector512.Create(zero);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        int i = 0;
        for (; i + PackedLayout.Group <= n; i += PackedLayout.Group)
        {
            var first = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
            var second = Vector128.LoadUnsafe(ref w, (nuint)((i / 2) + 16));
            acc0 = AccumulateCodes(z, first & mask, ref x, i, acc0);
            acc1 = AccumulateCodes(z, second & mask, ref x, i + 16, acc1);
            acc0 = AccumulateCodes(z, Vector128.ShiftRightLogical(first.AsUInt16(), 4).AsByte() & mask, ref x, i + 32, acc0);
            acc1 = AccumulateCodes(z, Vector128.ShiftRightLogical(second.AsUInt16(), 4).AsByte() & mask, ref x, i + 48, acc1);
        }

        if (i + PackedLayout.HalfGroup <= n)
        {
            var bytes = Vector128.LoadUnsafe(ref w, (nuint)(i / 2));
            acc0 = AccumulateCodes(z, bytes & mask, ref x, i, acc0);
            acc1 = AccumulateCodes(z, Vector128.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask, ref x, i + 16, acc1);
            i += PackedLayout.HalfGroup;
        }

        float sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += activation[i] * (((packed[i >> 1] >> ((i & 1) * 4)) & 0x0F) - zero);
        }

        return sum;
    }

    /// <summary><see cref="FloatDot.DotBytes"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotBytes(ReadOnlySpan<float> activation, ReadOnlySpan<byte> codes, float zero)
    {
        int n = activation.Length;
        ref float x = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(codes);
        var z = Vector512.Create(zero);
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            acc0 = AccumulateCodes(z, Vector128.LoadUnsafe(ref w, (nuint)i), ref x, i, acc0);
            acc1 = AccumulateCodes(z, Vector128.LoadUnsafe(ref w, (nuint)(i + 16)), ref x, i + 16, acc1);
        }

        if (i + 16 <= n)
        {
            acc0 = AccumulateCodes(z, Vector128.LoadUnsafe(ref w, (nuint)i), ref x, i, acc0);
            i += 16;
        }

        float sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += activation[i] * (codes[i] - zero);
        }

        return sum;
    }

    /// <summary><see cref="FloatDot.DotBytesRows4Avx2"/> on 512-bit vectors: each activation load serves four rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotBytesRows4(ReadOnlySpan<float> activation, ReadOnlySpan<byte> rows, ReadOnlySpan<float> zeros, Span<float> results)
    {
        int n = activation.Length;
        ref float x = ref MemoryMarshal.GetReference(activation);
        ref byte w = ref MemoryMarshal.GetReference(rows);
        Vector512<float> z0 = Vector512.Create(zeros[0]), z1 = Vector512.Create(zeros[1]), z2 = Vector512.Create(zeros[2]), z3 = Vector512.Create(zeros[3]);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var xv = Vector512.LoadUnsafe(ref x, (nuint)i);
            acc0 = Avx512F.FusedMultiplyAdd(Widen(Vector128.LoadUnsafe(ref w, (nuint)i)) - z0, xv, acc0);
            acc1 = Avx512F.FusedMultiplyAdd(Widen(Vector128.LoadUnsafe(ref w, (nuint)(n + i))) - z1, xv, acc1);
            acc2 = Avx512F.FusedMultiplyAdd(Widen(Vector128.LoadUnsafe(ref w, (nuint)((2 * n) + i))) - z2, xv, acc2);
            acc3 = Avx512F.FusedMultiplyAdd(Widen(Vector128.LoadUnsafe(ref w, (nuint)((3 * n) + i))) - z3, xv, acc3);
        }

        results[0] = Vector512.Sum(acc0);
        results[1] = Vector512.Sum(acc1);
        results[2] = Vector512.Sum(acc2);
        results[3] = Vector512.Sum(acc3);
        for (; i < n; i++)
        {
            for (int r = 0; r < 4; r++)
            {
                results[r] += activation[i] * (rows[(r * n) + i] - zeros[r]);
            }
        }
    }

    // 16 codes to float: vpmovzxbd (the load folds into it) and vcvtdq2ps.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(Vector128<byte> codes) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(codes));

    // acc += (codes[0..16) − zero) · x[at..at+16)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> AccumulateCodes(Vector512<float> zero, Vector128<byte> codes, ref float x, int at, Vector512<float> acc) =>
        Avx512F.FusedMultiplyAdd(Widen(codes) - zero, Vector512.LoadUnsafe(ref x, (nuint)at), acc);
}
