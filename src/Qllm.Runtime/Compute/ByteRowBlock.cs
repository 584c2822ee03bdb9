using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Four byte-code rows (the classifier's) against the float activations of many tokens at once, as
/// in a prefill or an evaluation window. <see cref="FloatDot.DotBytesRows4"/> converts the four rows'
/// codes to floats again for every token; here they are converted once per block and each converted
/// chunk feeds three tokens. Every (row, token) sum is formed by exactly the operations of the kernel
/// a single token takes, in its order: the same code − zero per chunk (of sixteen where 512-bit
/// vectors are enabled, else of eight), one fused multiply-add accumulator per row, the same
/// horizontal sum and the same scalar tail, so the logits are bit-identical to the token-by-token
/// products (a test holds the two together).
/// </summary>
internal static class ByteRowBlock
{
    // Four rows converted on the stack up to this many floats (16 KB); larger models rent.
    private const int StackFloats = 4096;

    /// <summary>
    /// output[t·stride + row + k] = scales[k] · Σ_j values[t, j]·(rows[k, j] − zeros[k]) for the
    /// <paramref name="tokens"/> rows of <paramref name="values"/> ([tokens × n]) and k = 0..3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Multiply(ReadOnlySpan<float> values, int tokens, ReadOnlySpan<byte> rows, ReadOnlySpan<float> zeros, ReadOnlySpan<float> scales, Span<float> output, int stride, int row)
    {
        // The kernel a single token takes: 512-bit where enabled (chunks of sixteen), else 256-bit.
        bool wide = FloatDotAvx512.IsEnabled;
        int n = rows.Length / 4, vectorEnd = n & (wide ? ~15 : ~7);
        float[]? rented = null;
        Span<float> converted = 4 * vectorEnd <= StackFloats ? stackalloc float[4 * vectorEnd] : (rented = ArrayPool<float>.Shared.Rent(4 * vectorEnd));
        try
        {
            fixed (byte* w = rows)
            fixed (float* c = converted)
            fixed (float* x = values)
            {
                Convert(w, n, zeros, c, vectorEnd, wide);
                Span<float> sums = stackalloc float[12];
                int t = 0;
                for (; t + 3 <= tokens; t += 3)
                {
                    if (wide)
                    {
                        Three512(x + (t * n), n, c, vectorEnd, sums);
                    }
                    else
                    {
                        Three(x + (t * n), n, c, vectorEnd, sums);
                    }

                    for (int m = 0; m < 3; m++)
                    {
                        Finish(values.Slice((t + m) * n, n), rows, zeros, scales, sums.Slice(m * 4, 4), vectorEnd, output.Slice(((t + m) * stride) + row, 4));
                    }
                }

                for (; t < tokens; t++)
                {
                    if (wide)
                    {
                        One512(x + (t * n), c, vectorEnd, sums);
                    }
                    else
                    {
                        One(x + (t * n), c, vectorEnd, sums);
                    }

                    Finish(values.Slice(t * n, n), rows, zeros, scales, sums[..4], vectorEnd, output.Slice((t * stride) + row, 4));
                }
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    // The four rows' codes − zero, as the kernel forms them chunk by chunk: converted[k·vectorEnd + j].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Convert(byte* w, int n, ReadOnlySpan<float> zeros, float* c, int vectorEnd, bool wide)
    {
        for (int k = 0; k < 4; k++)
        {
            if (wide)
            {
                var zero = Vector512.Create(zeros[k]);
                for (int i = 0; i < vectorEnd; i += 16)
                {
                    Avx512F.Store(c + (k * vectorEnd) + i, Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(w + (k * n) + i))) - zero);
                }
            }
            else
            {
                var zero = Vector256.Create(zeros[k]);
                for (int i = 0; i < vectorEnd; i += 8)
                {
                    Avx.Store(c + (k * vectorEnd) + i, Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w + (k * n) + i)) - zero);
                }
            }
        }
    }

    // Three512 and One512: Three and One in the 512-bit kernel's chunks and horizontal sums.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Three512(float* x, int n, float* c, int vectorEnd, Span<float> sums)
    {
        float* c1 = c + vectorEnd, c2 = c + (2 * vectorEnd), c3 = c + (3 * vectorEnd);
        float* x1 = x + n, x2 = x + (2 * n);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        for (int i = 0; i < vectorEnd; i += 16)
        {
            var w0 = Avx512F.LoadVector512(c + i);
            var w1 = Avx512F.LoadVector512(c1 + i);
            var w2 = Avx512F.LoadVector512(c2 + i);
            var w3 = Avx512F.LoadVector512(c3 + i);
            var v = Avx512F.LoadVector512(x + i);
            a00 = Avx512F.FusedMultiplyAdd(w0, v, a00);
            a01 = Avx512F.FusedMultiplyAdd(w1, v, a01);
            a02 = Avx512F.FusedMultiplyAdd(w2, v, a02);
            a03 = Avx512F.FusedMultiplyAdd(w3, v, a03);
            v = Avx512F.LoadVector512(x1 + i);
            a10 = Avx512F.FusedMultiplyAdd(w0, v, a10);
            a11 = Avx512F.FusedMultiplyAdd(w1, v, a11);
            a12 = Avx512F.FusedMultiplyAdd(w2, v, a12);
            a13 = Avx512F.FusedMultiplyAdd(w3, v, a13);
            v = Avx512F.LoadVector512(x2 + i);
            a20 = Avx512F.FusedMultiplyAdd(w0, v, a20);
            a21 = Avx512F.FusedMultiplyAdd(w1, v, a21);
            a22 = Avx512F.FusedMultiplyAdd(w2, v, a22);
            a23 = Avx512F.FusedMultiplyAdd(w3, v, a23);
        }

        sums[0] = Vector512.Sum(a00);
        sums[1] = Vector512.Sum(a01);
        sums[2] = Vector512.Sum(a02);
        sums[3] = Vector512.Sum(a03);
        sums[4] = Vector512.Sum(a10);
        sums[5] = Vector512.Sum(a11);
        sums[6] = Vector512.Sum(a12);
        sums[7] = Vector512.Sum(a13);
        sums[8] = Vector512.Sum(a20);
        sums[9] = Vector512.Sum(a21);
        sums[10] = Vector512.Sum(a22);
        sums[11] = Vector512.Sum(a23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void One512(float* x, float* c, int vectorEnd, Span<float> sums)
    {
        float* c1 = c + vectorEnd, c2 = c + (2 * vectorEnd), c3 = c + (3 * vectorEnd);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < vectorEnd; i += 16)
        {
            var v = Avx512F.LoadVector512(x + i);
            a0 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c + i), v, a0);
            a1 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c1 + i), v, a1);
            a2 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c2 + i), v, a2);
            a3 = Avx512F.FusedMultiplyAdd(Avx512F.LoadVector512(c3 + i), v, a3);
        }

        sums[0] = Vector512.Sum(a0);
        sums[1] = Vector512.Sum(a1);
        sums[2] = Vector512.Sum(a2);
        sums[3] = Vector512.Sum(a3);
    }

    // Sums of three consecutive tokens (x, x + n, x + 2n) against the four converted rows: sums[m·4 + k].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Three(float* x, int n, float* c, int vectorEnd, Span<float> sums)
    {
        float* c1 = c + vectorEnd, c2 = c + (2 * vectorEnd), c3 = c + (3 * vectorEnd);
        float* x1 = x + n, x2 = x + (2 * n);
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        for (int i = 0; i < vectorEnd; i += 8)
        {
            var w0 = Avx.LoadVector256(c + i);
            var w1 = Avx.LoadVector256(c1 + i);
            var w2 = Avx.LoadVector256(c2 + i);
            var w3 = Avx.LoadVector256(c3 + i);
            var v = Avx.LoadVector256(x + i);
            a00 = Fma.MultiplyAdd(w0, v, a00);
            a01 = Fma.MultiplyAdd(w1, v, a01);
            a02 = Fma.MultiplyAdd(w2, v, a02);
            a03 = Fma.MultiplyAdd(w3, v, a03);
            v = Avx.LoadVector256(x1 + i);
            a10 = Fma.MultiplyAdd(w0, v, a10);
            a11 = Fma.MultiplyAdd(w1, v, a11);
            a12 = Fma.MultiplyAdd(w2, v, a12);
            a13 = Fma.MultiplyAdd(w3, v, a13);
            v = Avx.LoadVector256(x2 + i);
            a20 = Fma.MultiplyAdd(w0, v, a20);
            a21 = Fma.MultiplyAdd(w1, v, a21);
            a22 = Fma.MultiplyAdd(w2, v, a22);
            a23 = Fma.MultiplyAdd(w3, v, a23);
        }

        sums[0] = Vector256.Sum(a00);
        sums[1] = Vector256.Sum(a01);
        sums[2] = Vector256.Sum(a02);
        sums[3] = Vector256.Sum(a03);
        sums[4] = Vector256.Sum(a10);
        sums[5] = Vector256.Sum(a11);
        sums[6] = Vector256.Sum(a12);
        sums[7] = Vector256.Sum(a13);
        sums[8] = Vector256.Sum(a20);
        sums[9] = Vector256.Sum(a21);
        sums[10] = Vector256.Sum(a22);
        sums[11] = Vector256.Sum(a23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void One(float* x, float* c, int vectorEnd, Span<float> sums)
    {
        float* c1 = c + vectorEnd, c2 = c + (2 * vectorEnd), c3 = c + (3 * vectorEnd);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < vectorEnd; i += 8)
        {
            var v = Avx.LoadVector256(x + i);
            a0 = Fma.MultiplyAdd(Avx.LoadVector256(c + i), v, a0);
            a1 = Fma.MultiplyAdd(Avx.LoadVector256(c1 + i), v, a1);
            a2 = Fma.MultiplyAdd(Avx.LoadVector256(c2 + i), v, a2);
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(c3 + i), v, a3);
        }

        sums[0] = Vector256.Sum(a0);
        sums[1] = Vector256.Sum(a1);
        sums[2] = Vector256.Sum(a2);
        sums[3] = Vector256.Sum(a3);
    }

    // The kernel's scalar tail (columns past the last chunk of eight), then the row scale.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(ReadOnlySpan<float> activation, ReadOnlySpan<byte> rows, ReadOnlySpan<float> zeros, ReadOnlySpan<float> scales, Span<float> sums, int vectorEnd, Span<float> output)
    {
        int n = activation.Length;
        for (int i = vectorEnd; i < n; i++)
        {
            for (int r = 0; r < 4; r++)
            {
                sums[r] += activation[i] * (rows[(r * n) + i] - zeros[r]);
            }
        }

        for (int r = 0; r < 4; r++)
        {
            output[r] = scales[r] * sums[r];
        }
    }
}
