using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// The small dense product of the online transforms: a few rows times a square double matrix. The
/// output columns are taken 16 at a time in registers across the whole sum, so each matrix row is
/// loaded once per row of x and nothing is stored until the sum is done: for the orders involved (12
/// to a few hundred) the per-call and load/store overheads of a row-by-row AXPY would dominate.
/// </summary>
internal static class DoubleProduct
{
    /// <summary>result[r, :] = Σ_k x[r, k]·m[k, :] for x and result [rows, n] and m [n, n], all row-major.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyRows(ReadOnlySpan<double> x, ReadOnlySpan<double> m, int n, Span<double> result)
    {
        int rows = x.Length / n;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref double xs = ref MemoryMarshal.GetReference(x);
            ref double ms = ref MemoryMarshal.GetReference(m);
            ref double rs = ref MemoryMarshal.GetReference(result);
            for (; j + 16 <= n; j += 16)
            {
                for (int r = 0; r < rows; r++)
                {
                    Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int k = 0; k < n; k++)
                    {
                        var w = Vector256.Create(Unsafe.Add(ref xs, (r * n) + k));
                        ref double row = ref Unsafe.Add(ref ms, (k * n) + j);
                        a0 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row), a0);
                        a1 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 4), a1);
                        a2 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 8), a2);
                        a3 = MultiplyAdd(w, Vector256.LoadUnsafe(ref row, 12), a3);
                    }

                    ref double output = ref Unsafe.Add(ref rs, (r * n) + j);
                    a0.StoreUnsafe(ref output);
                    a1.StoreUnsafe(ref output, 4);
                    a2.StoreUnsafe(ref output, 8);
                    a3.StoreUnsafe(ref output, 12);
                }
            }

            for (; j + 4 <= n; j += 4)
            {
                // Narrow blocks (orders such as 12) take four rows at once: four independent sums
                // hide the latency of the multiply-adds that one chain of twelve would expose.
                int r = 0;
                for (; r + 4 <= rows; r += 4)
                {
                    Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int k = 0; k < n; k++)
                    {
                        var column = Vector256.LoadUnsafe(ref ms, (nuint)((k * n) + j));
                        ref double xk = ref Unsafe.Add(ref xs, (r * n) + k);
                        a0 = MultiplyAdd(Vector256.Create(xk), column, a0);
                        a1 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xk, n)), column, a1);
                        a2 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xk, 2 * n)), column, a2);
                        a3 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xk, 3 * n)), column, a3);
                    }

                    ref double output = ref Unsafe.Add(ref rs, (r * n) + j);
                    a0.StoreUnsafe(ref output);
                    a1.StoreUnsafe(ref Unsafe.Add(ref output, n));
                    a2.StoreUnsafe(ref Unsafe.Add(ref output, 2 * n));
                    a3.StoreUnsafe(ref Unsafe.Add(ref output, 3 * n));
                }

                for (; r < rows; r++)
                {
                    Vector256<double> a0 = default;
                    for (int k = 0; k < n; k++)
                    {
                        a0 = MultiplyAdd(Vector256.Create(Unsafe.Add(ref xs, (r * n) + k)), Vector256.LoadUnsafe(ref ms, (nuint)((k * n) + j)), a0);
                    }

                    a0.StoreUnsafe(ref rs, (nuint)((r * n) + j));
                }
            }
        }

        for (; j < n; j++)
        {
            for (int r = 0; r < rows; r++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                {
                    sum += x[(r * n) + k] * m[(k * n) + j];
                }

                result[(r * n) + j] = sum;
            }
        }
    }

    // Fused where the CPU has it: one rounding instead of two, and half the instructions.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;
}
