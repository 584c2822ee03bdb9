using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>Dot products and scaled sums of double vectors, and floats widened to doubles (the online transforms).</summary>
internal static class DoubleVectors
{
    /// <summary>result[i] = x[i]·signs[i] in double (exact), or x[i] where <paramref name="signs"/> is empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ReadOnlySpan<float> x, ReadOnlySpan<double> signs, Span<double> result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(result.Length, x.Length, nameof(result));
        if (!signs.IsEmpty)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(signs.Length, x.Length, nameof(signs));
        }

        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float source = ref MemoryMarshal.GetReference(x);
            ref double target = ref MemoryMarshal.GetReference(result);
            for (; i + Vector256<float>.Count <= x.Length; i += Vector256<float>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)i));
                if (!signs.IsEmpty)
                {
                    ref double sign = ref MemoryMarshal.GetReference(signs);
                    low *= Vector256.LoadUnsafe(ref sign, (nuint)i);
                    high *= Vector256.LoadUnsafe(ref sign, (nuint)i + 4);
                }

                low.StoreUnsafe(ref target, (nuint)i);
                high.StoreUnsafe(ref target, (nuint)i + 4);
            }
        }

        for (; i < x.Length; i++)
        {
            result[i] = signs.IsEmpty ? x[i] : x[i] * signs[i];
        }
    }

    /// <summary>Σ a[j]·b[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<double>.Count)
        {
            var xs = MemoryMarshal.Cast<double, Vector<double>>(a);
            var ys = MemoryMarshal.Cast<double, Vector<double>>(b[..a.Length]);
            var accumulator = Vector<double>.Zero;
            for (int k = 0; k < xs.Length; k++)
            {
                accumulator += xs[k] * ys[k];
            }

            sum = Vector.Sum(accumulator);
            i = xs.Length * Vector<double>.Count;
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>sums[j] += weight·values[j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> sums, double weight, ReadOnlySpan<double> values)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && sums.Length >= Vector<double>.Count)
        {
            var ss = MemoryMarshal.Cast<double, Vector<double>>(sums);
            var vs = MemoryMarshal.Cast<double, Vector<double>>(values[..sums.Length]);
            var w = new Vector<double>(weight);
            for (int k = 0; k < ss.Length; k++)
            {
                ss[k] += w * vs[k];
            }

            i = ss.Length * Vector<double>.Count;
        }

        for (; i < sums.Length; i++)
        {
            sums[i] += weight * values[i];
        }
    }
}
