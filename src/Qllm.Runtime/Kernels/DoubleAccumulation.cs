using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// Float vectors accumulated in double (attention's scores and weighted sums): each float widens
/// exactly, so the result does not depend on the order of the sum beyond double rounding, and
/// rounds to the same float as the engine's double attention. Products of two floats are exact in
/// double, and the scaled sums are element-wise, so the 512-bit path (16 floats widened to two
/// vectors of 8 doubles) gives the same <see cref="AddScaled"/> and a <see cref="Dot"/> that differs
/// only in the order of double additions; so does the 256-bit path (8 floats, two vectors of 4
/// doubles) that AVX2 machines take.
/// </summary>
internal static class DoubleAccumulation
{
    /// <summary>Σ a[j]·b[j] in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        return Vector512.IsHardwareAccelerated ? DotVector512(a, b) : Vector256.IsHardwareAccelerated ? DotVector256(a, b) : DotVector128(a, b);
    }

    /// <summary><see cref="Dot"/> on 128-bit vectors where the CPU has them, else scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double DotVector128(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        int i = 0;
        double sum = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref float x = ref MemoryMarshal.GetReference(a);
            ref float y = ref MemoryMarshal.GetReference(b);
            var acc0 = Vector128<double>.Zero;
            var acc1 = Vector128<double>.Zero;
            for (; i + 4 <= n; i += 4)
            {
                var (xLow, xHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref x, (nuint)i));
                var (yLow, yHigh) = Vector128.Widen(Vector128.LoadUnsafe(ref y, (nuint)i));
                acc0 += xLow * yLow;
                acc1 += xHigh * yHigh;
            }

            sum = Vector128.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary>sums[j] += weight·values[j], in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> sums, double weight, ReadOnlySpan<float> values)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            AddScaledVector512(sums, weight, values);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            AddScaledVector256(sums, weight, values);
        }
        else
        {
            AddScaledVector128(sums, weight, values);
        }
    }

    /// <summary><see cref="AddScaled"/> on 128-bit vectors where the CPU has them, else scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddScaledVector128(Span<double> sums, double weight, ReadOnlySpan<float> values)
    {
        int n = values.Length;
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            ref float v = ref MemoryMarshal.GetReference(values);
            ref double s = ref MemoryMarshal.GetReference(sums);
            var w = Vector128.Create(weight);
            for (; i + 4 <= n; i += 4)
            {
                var (low, high) = Vector128.Widen(Vector128.LoadUnsafe(ref v, (nuint)i));
                (Vector128.LoadUnsafe(ref s, (nuint)i) + (w * low)).StoreUnsafe(ref s, (nuint)i);
                (Vector128.LoadUnsafe(ref s, (nuint)(i + 2)) + (w * high)).StoreUnsafe(ref s, (nuint)(i + 2));
            }
        }

        for (; i < n; i++)
        {
            sums[i] += weight * values[i];
        }
    }

    /// <summary><see cref="Dot"/> on 256-bit vectors (AVX2 machines): 8 floats widened to two vectors of 4 doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double DotVector256(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        var acc0 = Vector256<double>.Zero;
        var acc1 = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (xLow, xHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
            var (yLow, yHigh) = Vector256.Widen(Vector256.LoadUnsafe(ref y, (nuint)i));
            acc0 += xLow * yLow;
            acc1 += xHigh * yHigh;
        }

        double sum = Vector256.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary><see cref="AddScaled"/> on 256-bit vectors (AVX2 machines).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddScaledVector256(Span<double> sums, double weight, ReadOnlySpan<float> values)
    {
        int n = values.Length;
        ref float v = ref MemoryMarshal.GetReference(values);
        ref double s = ref MemoryMarshal.GetReference(sums);
        var w = Vector256.Create(weight);
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref v, (nuint)i));
            (Vector256.LoadUnsafe(ref s, (nuint)i) + (w * low)).StoreUnsafe(ref s, (nuint)i);
            (Vector256.LoadUnsafe(ref s, (nuint)(i + 4)) + (w * high)).StoreUnsafe(ref s, (nuint)(i + 4));
        }

        for (; i < n; i++)
        {
            sums[i] += weight * values[i];
        }
    }

    /// <summary><see cref="Dot"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double DotVector512(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int n = a.Length;
        ref float x = ref MemoryMarshal.GetReference(a);
        ref float y = ref MemoryMarshal.GetReference(b);
        var acc0 = Vector512<double>.Zero;
        var acc1 = Vector512<double>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var (xLow, xHigh) = Vector512.Widen(Vector512.LoadUnsafe(ref x, (nuint)i));
            var (yLow, yHigh) = Vector512.Widen(Vector512.LoadUnsafe(ref y, (nuint)i));
            acc0 += xLow * yLow;
            acc1 += xHigh * yHigh;
        }

        double sum = Vector512.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    /// <summary><see cref="AddScaled"/> on 512-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AddScaledVector512(Span<double> sums, double weight, ReadOnlySpan<float> values)
    {
        int n = values.Length;
        ref float v = ref MemoryMarshal.GetReference(values);
        ref double s = ref MemoryMarshal.GetReference(sums);
        var w = Vector512.Create(weight);
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref v, (nuint)i));
            (Vector512.LoadUnsafe(ref s, (nuint)i) + (w * low)).StoreUnsafe(ref s, (nuint)i);
            (Vector512.LoadUnsafe(ref s, (nuint)(i + 8)) + (w * high)).StoreUnsafe(ref s, (nuint)(i + 8));
        }

        for (; i < n; i++)
        {
            sums[i] += weight * values[i];
        }
    }
}
