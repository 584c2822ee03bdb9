using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The small dense product of the online transforms: an [n, n] double matrix applied to the n rows
/// of an [n, width] matrix, y[j, :] = Σ_i m[i, j]·x[i, :]. Wide matrices (a 1B model's down_proj
/// input: n = 44, width 128) take sixteen or eight columns at a time in registers, narrow ones (a head
/// of 48 = 12 × 4, a dim of 288 = 144 × 2) sixteen or four outputs j of a column. Every value is
/// summed over i in order with the same (fused, where the CPU has it) multiply-add, in a vector or
/// not.
/// </summary>
internal static class DoubleProduct
{
    /// <summary>
    /// y = mᵀ·x: x is [n, <paramref name="width"/>] with rows <paramref name="stride"/> apart, y is
    /// row-major [n, <paramref name="width"/>], m is [n, n]. y is written to <paramref name="output"/>
    /// as float (rounded once) or double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MixColumns<T>(ReadOnlySpan<double> x, int stride, ReadOnlySpan<double> m, int n, int width, Span<T> output)
        where T : unmanaged
    {
        // The loops below read and write without bounds checks.
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width);
        ArgumentOutOfRangeException.ThrowIfLessThan(x.Length, ((n - 1) * stride) + width, nameof(x));
        ArgumentOutOfRangeException.ThrowIfLessThan(m.Length, n * n, nameof(m));
        ArgumentOutOfRangeException.ThrowIfLessThan(output.Length, n * width, nameof(output));
        if (Vector256.IsHardwareAccelerated && width < 8)
        {
            MixNarrow(x, stride, m, n, width, output);
            return;
        }

        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ms = ref MemoryMarshal.GetReference(m);
        int c = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Sixteen columns at a time, all outputs j of them before the next sixteen, so the
            // columns' [n, 16] block stays in the L1 cache (a 1B model's [44, 128] is 45 KB whole).
            // Two outputs at once share each load of x, and their eight independent sums hide the
            // multiply-add latency.
            for (; c + 16 <= width; c += 16)
            {
                int j = 0;
                for (; j + 2 <= n; j += 2)
                {
                    Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                    Vector256<double> b0 = default, b1 = default, b2 = default, b3 = default;
                    for (int i = 0; i < n; i++)
                    {
                        ref double row = ref Unsafe.Add(ref xs, (i * stride) + c);
                        var x0 = Vector256.LoadUnsafe(ref row);
                        var x1 = Vector256.LoadUnsafe(ref row, 4);
                        var x2 = Vector256.LoadUnsafe(ref row, 8);
                        var x3 = Vector256.LoadUnsafe(ref row, 12);
                        ref double weights = ref Unsafe.Add(ref ms, (i * n) + j);
                        var w = Vector256.Create(weights);
                        a0 = MultiplyAdd(w, x0, a0);
                        a1 = MultiplyAdd(w, x1, a1);
                        a2 = MultiplyAdd(w, x2, a2);
                        a3 = MultiplyAdd(w, x3, a3);
                        w = Vector256.Create(Unsafe.Add(ref weights, 1));
                        b0 = MultiplyAdd(w, x0, b0);
                        b1 = MultiplyAdd(w, x1, b1);
                        b2 = MultiplyAdd(w, x2, b2);
                        b3 = MultiplyAdd(w, x3, b3);
                    }

                    StoreRow(output, (j * width) + c, a0, a1);
                    StoreRow(output, (j * width) + c + 8, a2, a3);
                    StoreRow(output, ((j + 1) * width) + c, b0, b1);
                    StoreRow(output, ((j + 1) * width) + c + 8, b2, b3);
                }

                for (; j < n; j++)
                {
                    Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int i = 0; i < n; i++)
                    {
                        ref double row = ref Unsafe.Add(ref xs, (i * stride) + c);
                        var w = Vector256.Create(Unsafe.Add(ref ms, (i * n) + j));
                        a0 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row), a0);
                        a1 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 4), a1);
                        a2 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 8), a2);
                        a3 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 12), a3);
                    }

                    StoreRow(output, (j * width) + c, a0, a1);
                    StoreRow(output, (j * width) + c + 8, a2, a3);
                }
            }

            for (; c + 8 <= width; c += 8)
            {
                for (int j = 0; j < n; j++)
                {
                    Vector256<double> low = default, high = default;
                    for (int i = 0; i < n; i++)
                    {
                        ref double row = ref Unsafe.Add(ref xs, (i * stride) + c);
                        var w = Vector256.Create(Unsafe.Add(ref ms, (i * n) + j));
                        low = MultiplyAdd(w, Vector256.LoadUnsafe(ref row), low);
                        high = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 4), high);
                    }

                    StoreRow(output, (j * width) + c, low, high);
                }
            }
        }

        for (; c < width; c++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum = MultiplyAdd(m[(i * n) + j], x[(i * stride) + c], sum);
                }

                Store(output, (j * width) + c, sum);
            }
        }
    }

    /// <summary>The columns one at a time, with the outputs j in vectors: for widths under eight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MixNarrow<T>(ReadOnlySpan<double> x, int stride, ReadOnlySpan<double> m, int n, int width, Span<T> output)
        where T : unmanaged
    {
        ref double ms = ref MemoryMarshal.GetReference(m);
        for (int c = 0; c < width; c++)
        {
            int j = 0;
            for (; j + 16 <= n; j += 16)
            {
                Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int i = 0; i < n; i++)
                {
                    var w = Vector256.Create(x[(i * stride) + c]);
                    ref double row = ref Unsafe.Add(ref ms, (i * n) + j);
                    a0 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row), a0);
                    a1 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 4), a1);
                    a2 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 8), a2);
                    a3 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 12), a3);
                }

                StoreColumn(output, width, c, j, a0);
                StoreColumn(output, width, c, j + 4, a1);
                StoreColumn(output, width, c, j + 8, a2);
                StoreColumn(output, width, c, j + 12, a3);
            }

            for (; j + 4 <= n; j += 4)
            {
                Vector256<double> a0 = default;
                for (int i = 0; i < n; i++)
                {
                    a0 = MultiplyAdd(Vector256.Create(x[(i * stride) + c]), Vector256.LoadUnsafe(ref ms, (nuint)((i * n) + j)), a0);
                }

                StoreColumn(output, width, c, j, a0);
            }

            for (; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++)
                {
                    sum = MultiplyAdd(m[(i * n) + j], x[(i * stride) + c], sum);
                }

                Store(output, (j * width) + c, sum);
            }
        }
    }

    /// <summary>Eight consecutive values of y from <paramref name="at"/>: <paramref name="low"/>'s lanes, then <paramref name="high"/>'s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(Span<T> output, int at, Vector256<double> low, Vector256<double> high)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Vector256.Narrow(low, high).StoreUnsafe(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(output)), (nuint)at);
        }
        else
        {
            ref double y = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(output));
            low.StoreUnsafe(ref y, (nuint)at);
            high.StoreUnsafe(ref y, (nuint)at + 4);
        }
    }

    /// <summary>y[j .. j + 3, c] ← the lanes of <paramref name="values"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumn<T>(Span<T> output, int width, int c, int j, Vector256<double> values)
        where T : unmanaged
    {
        for (int lane = 0; lane < Vector256<double>.Count; lane++)
        {
            Store(output, ((j + lane) * width) + c, values.GetElement(lane));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Span<T> output, int at, double value)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            Unsafe.As<T, float>(ref output[at]) = (float)value;
        }
        else
        {
            Unsafe.As<T, double>(ref output[at]) = value;
        }
    }

    // Fused where the CPU has it: one rounding instead of two. The scalar columns round as the
    // vector ones do.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double MultiplyAdd(double a, double b, double c) =>
        Fma.IsSupported ? Math.FusedMultiplyAdd(a, b, c) : (a * b) + c;
}
