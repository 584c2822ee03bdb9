using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>AVX-VNNI: vpdpbusd multiplies, sums groups of four into 32 bits and accumulates in one instruction.</summary>
internal readonly struct VnniPairs : IBytePairProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w) =>
        AvxVnni.MultiplyWideningAndAdd(sum, a, w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w, Vector256<byte> b, Vector256<sbyte> v) =>
        AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(sum, a, w), b, v);
}
