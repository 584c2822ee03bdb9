using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The fast Walsh–Hadamard transform (unnormalised, Sylvester/natural order: y = x·S_m with
/// S_1 = [1], S_2k = [[S, S], [S, −S]]), in place, in m·log₂m additions instead of a dense m² product.
/// </summary>
internal static class WalshHadamard
{
    /// <summary>
    /// Transforms <paramref name="values"/>, viewed as a row-major [m, <paramref name="stride"/>]
    /// matrix with m a power of two, along its first index: every column is replaced by its
    /// transform. With stride 1 that is the plain transform of a vector of length m. A larger stride
    /// makes every butterfly a pair of contiguous runs of at least <paramref name="stride"/> values,
    /// so all the stages vectorize (the plain transform's first stages pair neighbours, which SIMD
    /// lanes cannot).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform(Span<double> values, int stride = 1)
    {
        if (stride < 1 || values.Length % stride != 0 || !BitOperations.IsPow2(values.Length / stride))
        {
            throw new ArgumentException($"{values.Length} values are not a power-of-two count of rows of {stride}", nameof(values));
        }

        for (int run = stride; run < values.Length; run *= 2)
        {
            for (int start = 0; start < values.Length; start += 2 * run)
            {
                Butterfly(values.Slice(start, run), values.Slice(start + run, run));
            }
        }
    }

    /// <summary>(u, v) ← (u + v, u − v), element-wise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Butterfly(Span<double> u, Span<double> v)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && u.Length >= Vector<double>.Count)
        {
            var us = MemoryMarshal.Cast<double, Vector<double>>(u);
            var vs = MemoryMarshal.Cast<double, Vector<double>>(v);
            for (int k = 0; k < us.Length; k++)
            {
                var a = us[k];
                var b = vs[k];
                us[k] = a + b;
                vs[k] = a - b;
            }

            i = us.Length * Vector<double>.Count;
        }

        for (; i < u.Length; i++)
        {
            double a = u[i], b = v[i];
            u[i] = a + b;
            v[i] = a - b;
        }
    }
}
