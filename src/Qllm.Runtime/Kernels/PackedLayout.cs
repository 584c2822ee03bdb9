using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The order in which the integer kernels read activation codes against a row of packed 4-bit
/// weights. A packed byte holds two neighbouring codes (low nibble first), so masking a vector of
/// weight bytes yields the even-indexed codes and shifting yields the odd-indexed ones. Rather than
/// interleaving the weights back (two shuffles per load), the activation, which is far smaller and
/// is prepared once per token, is stored in that split order: each group of 64 columns as its 32
/// even columns then its 32 odd ones; a remaining group of 32 the same way with 16 and 16; the last
/// (fewer than 32) columns in their natural order. The 512-bit kernels (<see cref="IntegerDotAvx512"/>)
/// read two groups per 64-byte load of weights and regroup the activation's halves in registers, so
/// one order serves every path.
/// </summary>
internal static class PackedLayout
{
    /// <summary>Columns per full group (32 weight bytes, one 256-bit load).</summary>
    public const int Group = 64;

    /// <summary>Columns per half group (16 weight bytes, one 128-bit load).</summary>
    public const int HalfGroup = 32;

    /// <summary>Writes <paramref name="natural"/> into <paramref name="permuted"/> in the kernels' order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Permute<T>(ReadOnlySpan<T> natural, Span<T> permuted)
    {
        int n = natural.Length;
        int start = 0;
        for (; start + Group <= n; start += Group)
        {
            Split(natural.Slice(start, Group), permuted.Slice(start, Group));
        }

        if (start + HalfGroup <= n)
        {
            Split(natural.Slice(start, HalfGroup), permuted.Slice(start, HalfGroup));
            start += HalfGroup;
        }

        natural[start..].CopyTo(permuted[start..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Split<T>(ReadOnlySpan<T> natural, Span<T> permuted)
    {
        if (typeof(T) == typeof(byte) && Vector256.IsHardwareAccelerated && BitConverter.IsLittleEndian && natural.Length == Group)
        {
            // Activation codes: the low bytes of the 16-bit pairs are the even columns, the high bytes the odd ones.
            ref byte source = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(natural));
            ref byte target = ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(permuted));
            var first = Vector256.LoadUnsafe(ref source).AsUInt16();
            var second = Vector256.LoadUnsafe(ref source, 32).AsUInt16();
            var low = Vector256.Create((ushort)0xFF);
            Vector256.Narrow(first & low, second & low).StoreUnsafe(ref target);
            Vector256.Narrow(first >>> 8, second >>> 8).StoreUnsafe(ref target, 32);
            return;
        }

        int half = natural.Length / 2;
        for (int i = 0; i < half; i++)
        {
            permuted[i] = natural[2 * i];
            permuted[half + i] = natural[(2 * i) + 1];
        }
    }
}
