using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Dynamic per-token asymmetric quantization, exactly as the engine defines it (UniformQuantizer):
/// scale = max((max − min) / (2^bits − 1), 1e-5), zero = round(−min / scale),
/// q = clamp(round(x / scale) + zero, 0, 2^bits − 1), rounding half to even, all in float32, so the
/// runtime picks the same codes as the engine's fake quantization up to the order of float sums.
/// </summary>
internal static class TokenQuantizer
{
    private const float MinScale = 1e-5f;

    /// <summary>Codes of <paramref name="x"/> into <paramref name="codes"/>; returns the scale, the (integer-valued) zero point and Σ codes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Scale, float Zero, int CodeSum) Quantize(ReadOnlySpan<float> x, int bits, Span<byte> codes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(codes.Length, x.Length, nameof(codes));
        var (scale, zero) = Range(x, bits);
        float top = (1 << bits) - 1;
        int i = 0;
        int sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Thirty-two codes a step, narrowed to bytes in vectors (the codes are at most 255).
            ref float source = ref MemoryMarshal.GetReference(x);
            ref byte target = ref MemoryMarshal.GetReference(codes);
            var s = Vector256.Create(scale);
            var z = Vector256.Create(zero);
            var high = Vector256.Create(top);
            var sums = Vector256<int>.Zero;
            for (; i + 32 <= x.Length; i += 32)
            {
                var q0 = Code(Vector256.LoadUnsafe(ref source, (nuint)i), s, z, high);
                var q1 = Code(Vector256.LoadUnsafe(ref source, (nuint)i + 8), s, z, high);
                var q2 = Code(Vector256.LoadUnsafe(ref source, (nuint)i + 16), s, z, high);
                var q3 = Code(Vector256.LoadUnsafe(ref source, (nuint)i + 24), s, z, high);
                sums += (q0 + q1) + (q2 + q3);
                var low = Vector256.Narrow(q0.AsUInt32(), q1.AsUInt32());
                var upper = Vector256.Narrow(q2.AsUInt32(), q3.AsUInt32());
                Vector256.Narrow(low, upper).StoreUnsafe(ref target, (nuint)i);
            }

            sum = Vector256.Sum(sums);
        }

        for (; i < x.Length; i++)
        {
            byte code = (byte)Math.Clamp(MathF.Round(x[i] / scale) + zero, 0, top);
            codes[i] = code;
            sum += code;
        }

        return (scale, zero, sum);
    }

    /// <summary>clamp(round(x / scale) + zero, 0, top) as integers, lane by lane as the scalar loop computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Code(Vector256<float> x, Vector256<float> scale, Vector256<float> zero, Vector256<float> top) =>
        Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(Vector256.Round(x / scale) + zero, Vector256<float>.Zero), top));

    /// <summary>Replaces <paramref name="x"/> by its quantized-then-dequantized values (the q/k/v states).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FakeQuantize(Span<float> x, int bits)
    {
        var (scale, zero) = Range(x, bits);
        float top = (1 << bits) - 1;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (Math.Clamp(MathF.Round(x[i] / scale) + zero, 0, top) - zero) * scale;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Scale, float Zero) Range(ReadOnlySpan<float> x, int bits)
    {
        float min = x[0], max = x[0];
        int i = 0;

        // Vector256.Min and Max follow MathF.Min and Max (NaN wins, −0 below +0), so the lanes give the scalar loop's result.
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            ref float source = ref MemoryMarshal.GetReference(x);
            var low = Vector256.LoadUnsafe(ref source);
            var high = low;
            for (i = Vector256<float>.Count; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var values = Vector256.LoadUnsafe(ref source, (nuint)i);
                low = Vector256.Min(low, values);
                high = Vector256.Max(high, values);
            }

            for (int k = 0; k < Vector256<float>.Count; k++)
            {
                min = MathF.Min(min, low.GetElement(k));
                max = MathF.Max(max, high.GetElement(k));
            }
        }

        for (; i < x.Length; i++)
        {
            min = MathF.Min(min, x[i]);
            max = MathF.Max(max, x[i]);
        }

        float scale = MathF.Max((max - min) / ((1 << bits) - 1), MinScale);
        return (scale, MathF.Round(-min / scale));
    }
}
