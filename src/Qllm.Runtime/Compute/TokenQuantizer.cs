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
        var (scale, zero) = Range(x, bits);
        float top = (1 << bits) - 1;
        int i = 0;
        int sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float source = ref MemoryMarshal.GetReference(x);
            var s = Vector256.Create(scale);
            var z = Vector256.Create(zero);
            var high = Vector256.Create(top);
            Span<int> lanes = stackalloc int[Vector256<int>.Count];
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var q = Vector256.Min(Vector256.Max(Vector256.Round(Vector256.LoadUnsafe(ref source, (nuint)i) / s) + z, Vector256<float>.Zero), high);
                var integers = Vector256.ConvertToInt32(q);
                integers.CopyTo(lanes);
                for (int k = 0; k < lanes.Length; k++)
                {
                    codes[i + k] = (byte)lanes[k];
                }

                sum += Vector256.Sum(integers);
            }
        }

        for (; i < x.Length; i++)
        {
            byte code = (byte)Math.Clamp(MathF.Round(x[i] / scale) + zero, 0, top);
            codes[i] = code;
            sum += code;
        }

        return (scale, zero, sum);
    }

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
