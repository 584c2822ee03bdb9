using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The fast Walsh–Hadamard transform (unnormalised, Sylvester/natural order: y = x·S_m with
/// S_1 = [1], S_2k = [[S, S], [S, −S]]), in place, in m·log₂m additions instead of a dense m² product.
/// </summary>
internal static class WalshHadamard
{
    /// <summary>
    /// Transforms each run of <paramref name="length"/> values of <paramref name="values"/> (a power
    /// of two; the span holds whole runs). Many short runs are transformed together, stage by
    /// stage, so a [144, 2] matrix costs no more than a vector of 288.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform(Span<double> values, int length)
    {
        if (!BitOperations.IsPow2(length) || values.Length % length != 0)
        {
            throw new ArgumentException($"{values.Length} values are not runs of a power of two, {length}", nameof(values));
        }

        int run = 1;
        if (length == 2)
        {
            for (int i = 0; i < values.Length; i += 2)
            {
                double a = values[i], b = values[i + 1];
                values[i] = a + b;
                values[i + 1] = a - b;
            }

            return;
        }

        if (length >= 4)
        {
            // The first two stages pair neighbours, which vector lanes cannot: they are done four
            // values at a time in scalars (the same sums as two separate stages).
            for (int i = 0; i < values.Length; i += 4)
            {
                double a = values[i] + values[i + 1], b = values[i] - values[i + 1];
                double c = values[i + 2] + values[i + 3], d = values[i + 2] - values[i + 3];
                values[i] = a + c;
                values[i + 1] = b + d;
                values[i + 2] = a - c;
                values[i + 3] = b - d;
            }

            run = 4;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            // Runs of four or more values: whole vectors, addressed directly (a call per pair of
            // runs would cost more than the additions for the short runs of the early stages).
            ref double origin = ref MemoryMarshal.GetReference(values);
            for (; run < length; run *= 2)
            {
                for (int start = 0; start < values.Length; start += 2 * run)
                {
                    for (int i = start; i < start + run; i += Vector256<double>.Count)
                    {
                        var a = Vector256.LoadUnsafe(ref origin, (nuint)i);
                        var b = Vector256.LoadUnsafe(ref origin, (nuint)(i + run));
                        (a + b).StoreUnsafe(ref origin, (nuint)i);
                        (a - b).StoreUnsafe(ref origin, (nuint)(i + run));
                    }
                }
            }
        }

        for (; run < length; run *= 2)
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
