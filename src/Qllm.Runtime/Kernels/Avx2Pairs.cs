using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// AVX2: vpmaddubsw sums adjacent pairs into 16 bits (so pair sums must stay below 2¹⁵:
/// <see cref="IntegerDot.Fits"/>), vpmaddwd widens to 32. Two operand pairs share one widening.
/// </summary>
internal readonly struct Avx2Pairs : IBytePairProducts
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w) =>
        sum + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, w), Vector256.Create((short)1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Add(Vector256<int> sum, Vector256<byte> a, Vector256<sbyte> w, Vector256<byte> b, Vector256<sbyte> v) =>
        sum + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, w) + Avx2.MultiplyAddAdjacent(b, v), Vector256.Create((short)1));
}
