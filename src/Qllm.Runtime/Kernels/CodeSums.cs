using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The sum of a weight row's codes, which the integer product's zero-point correction needs once per
/// row. Every row of the model is summed when it loads, so this pass reads the whole artifact: at a
/// billion parameters the byte-at-a-time loop took seconds, the vector one a small part of that.
/// </summary>
internal static class CodeSums
{
    /// <summary>Σ of the codes in <paramref name="row"/>: two 4-bit codes per byte (low nibble and high nibble) when <paramref name="packed"/>, else one per byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Sum(ReadOnlySpan<byte> row, bool packed) => Avx2.IsSupported ? SumAvx2(row, packed) : SumScalar(row, packed, 0);

    /// <summary>The definition, byte by byte, from <paramref name="start"/> on.</summary>
    public static int SumScalar(ReadOnlySpan<byte> row, bool packed, int start)
    {
        int sum = 0;
        for (int i = start; i < row.Length; i++)
        {
            sum += packed ? (row[i] & 0x0F) + (row[i] >> 4) : row[i];
        }

        return sum;
    }

    /// <summary>32 bytes a step: nibbles split and added as bytes (at most 30 each), then summed by vpsadbw into four 64-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SumAvx2(ReadOnlySpan<byte> row, bool packed)
    {
        ref byte start = ref MemoryMarshal.GetReference(row);
        var low = Vector256.Create((byte)0x0F);
        var total = Vector256<ulong>.Zero;
        int i = 0;
        for (; i + 32 <= row.Length; i += 32)
        {
            var bytes = Vector256.LoadUnsafe(ref start, (nuint)i);
            if (packed)
            {
                bytes = (bytes & low) + (Vector256.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & low);
            }

            total += Avx2.SumAbsoluteDifferences(bytes, Vector256<byte>.Zero).AsUInt64();
        }

        return (int)Vector256.Sum(total) + SumScalar(row, packed, i);
    }
}
