using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qllm.Runtime.Kernels;

/// <summary>Dot products and scaled sums of double vectors (the online transforms' dense factor).</summary>
internal static class DoubleVectors
{
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
