using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>
/// A weight stored as unsigned codes with a scale and an integer zero point per row:
/// W[r, j] = (c[r, j] − zw[r])·sw[r]. With quantized activations x[t, j] = (q[t, j] − za[t])·sa[t]
/// the product is exact in integers:
/// Σ_j x·W = sa·sw·(Σ q·c − zw·Σq − za·Σc + n·za·zw),
/// so the inner loop is an integer dot product and the rest is per row and token. With float
/// activations it is sw·Σ x·(c − zw). 4-bit codes are read packed, in place; other widths are
/// unpacked to one byte per code.
/// </summary>
internal sealed class QuantizedMatrix : WeightMatrix
{
    // A gathered row up to this many bytes goes on the stack.
    private const int StackBytes = 16 * 1024;

    private readonly WeightCodes _codes;
    private readonly float[] _scales;
    private readonly float[] _zeros;
    private readonly int[] _codeSums;
    private readonly bool _packed;
    private readonly bool _interleaved;
    private readonly int _rowBytes;

    public QuantizedMatrix(WeightCodes codes, int bits, int rows, int columns, float[] scales, float[] zeros)
        : base(rows, columns)
    {
        _codes = codes;
        _scales = scales;
        _zeros = zeros;
        Bits = bits;
        _packed = bits == 4 && codes.Bytes == (long)rows * ((columns + 1) / 2);
        _rowBytes = _packed ? (columns + 1) / 2 : columns;
        _interleaved = codes.InterleavedRowSums is not null;
        _codeSums = codes.InterleavedRowSums ?? new int[rows];
        if (!_interleaved)
        {
            var all = codes.Span;
            for (int r = 0; r < rows; r++)
            {
                _codeSums[r] = CodeSums.Sum(all.Slice(r * _rowBytes, _rowBytes), _packed);
            }
        }
    }

    /// <summary>
    /// Whether packed 4-bit weights multiplied by integer activations are best stored in
    /// <see cref="InterleavedRows"/> order on this CPU: where the 256-bit four-row kernel is the
    /// one used (the 512-bit kernel reads the row-major layout).
    /// </summary>
    public static bool InterleavesRows => Avx2.IsSupported && Fma.IsSupported && !IntegerDotAvx512.IsEnabled;

    /// <summary>
    /// Whether one-byte codes multiplied by float activations (the classifier) are best stored in
    /// <see cref="InterleavedRows"/> order on this CPU: where their 256-bit four-row kernel is the one used.
    /// </summary>
    public static bool InterleavesByteRows => Avx2.IsSupported && Fma.IsSupported && !FloatDotAvx512.IsEnabled;

    public int Bits { get; }

    /// <summary>Whether the codes are held in <see cref="InterleavedRows"/> order.</summary>
    public bool Interleaved => _interleaved;

    public override long Bytes => _codes.Bytes + ((_scales.Length + _zeros.Length + _codeSums.Length) * 4L);

    public override bool PackedLayout => _packed;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Multiply(PreparedInput x, Span<float> output, int rowStart, int rowEnd)
    {
        var all = _codes.Span;
        int n = Columns;
        int r = rowStart;

        // The two hot loops (4-bit rows against integer activations, and the classifier's byte rows
        // against floats) take four rows per call. Each block of four rows asks for the bytes a
        // little past the next block (CachePrefetch), since a decode reads every weight once.
        if (Avx2.IsSupported && Fma.IsSupported && (x.Codes is null ? !_packed : _packed))
        {
            Span<int> dots = stackalloc int[4];
            Span<float> sums = stackalloc float[4];
            byte[]? rowMajor = null;
            for (; r + 4 <= rowEnd; r += 4)
            {
                var block = all.Slice(r * _rowBytes, 4 * _rowBytes);
                if (x.Codes is null && x.Tokens > 1)
                {
                    // Many tokens (a prefill, an evaluation window): the single-token kernel's sums in
                    // its order, each row converted once, so that a token's logits do not depend on its batch.
                    ByteRowBlock.Multiply(x.Values, x.Tokens, RowMajor(block, ref rowMajor), _zeros.AsSpan(r, 4), _scales.AsSpan(r, 4), output, Rows, r);
                    continue;
                }

                CachePrefetch.Lines(all, ((r + 4) * _rowBytes) + CachePrefetch.Distance, 4 * _rowBytes, rowEnd * _rowBytes);

                for (int t = 0; t < x.Tokens; t++)
                {
                    if (x.Codes is { } activationCodes)
                    {
                        if (_interleaved)
                        {
                            IntegerDot.DotPacked4Interleaved4(activationCodes.AsSpan(t * n, n), block, dots);
                        }
                        else
                        {
                            IntegerDot.DotPacked4Rows4(activationCodes.AsSpan(t * n, n), block, _rowBytes, dots);
                        }

                        for (int k = 0; k < 4; k++)
                        {
                            output[(t * Rows) + r + k] = IntegerProduct(x, t, r + k, dots[k]);
                        }
                    }
                    else
                    {
                        if (_interleaved)
                        {
                            FloatDot.DotBytesInterleaved4(x.Values.AsSpan(t * n, n), block, _zeros.AsSpan(r, 4), sums);
                        }
                        else
                        {
                            FloatDot.DotBytesRows4(x.Values.AsSpan(t * n, n), block, _zeros.AsSpan(r, 4), sums);
                        }

                        for (int k = 0; k < 4; k++)
                        {
                            output[(t * Rows) + r + k] = _scales[r + k] * sums[k];
                        }
                    }
                }
            }
        }

        // Rows past the last block of four are stored in place; others are gathered (only where no four-row kernel took them).
        Span<byte> gathered = _interleaved && r < rowEnd && r < BlockedRows ? new byte[_rowBytes] : default;
        for (; r < rowEnd; r++)
        {
            var row = Row(r, gathered);
            for (int t = 0; t < x.Tokens; t++)
            {
                if (x.Codes is { } activationCodes)
                {
                    var q = activationCodes.AsSpan(t * n, n);
                    output[(t * Rows) + r] = IntegerProduct(x, t, r, _packed ? IntegerDot.DotPacked4(q, row) : IntegerDot.DotBytes(q, row));
                }
                else
                {
                    var values = x.Values.AsSpan(t * n, n);
                    output[(t * Rows) + r] = _scales[r] * (_packed ? FloatDot.DotPacked4(values, row, _zeros[r]) : FloatDot.DotBytes(values, row, _zeros[r]));
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void ReadRow(int row, Span<float> destination)
    {
        // An interleaved tied embedding is read here for every token: its row is gathered on the stack.
        Span<byte> buffer = _interleaved ? (_rowBytes <= StackBytes ? stackalloc byte[_rowBytes] : new byte[_rowBytes]) : default;
        var bytes = Row(row, buffer);
        float scale = _scales[row], zero = _zeros[row];
        for (int j = 0; j < Columns; j++)
        {
            int code = _packed ? (bytes[j >> 1] >> ((j & 1) * 4)) & 0x0F : bytes[j];
            destination[j] = (code - zero) * scale;
        }
    }

    // Rows in full blocks of four: the ones an interleaved layout moves (the rest stay in place).
    private int BlockedRows => Rows / InterleavedRows.Rows * InterleavedRows.Rows;

    // Row r's codes in their own order: in place, or gathered into the buffer from an interleaved block.
    private ReadOnlySpan<byte> Row(int r, Span<byte> buffer)
    {
        if (!_interleaved || r >= BlockedRows)
        {
            return _codes.Span.Slice(r * _rowBytes, _rowBytes);
        }

        InterleavedRows.Gather(_codes.Span, r, Rows, _rowBytes, buffer);
        return buffer;
    }

    // A block of four rows in row-major order: itself, or its rows gathered into the buffer (made on first use).
    private ReadOnlySpan<byte> RowMajor(ReadOnlySpan<byte> block, ref byte[]? buffer)
    {
        if (!_interleaved)
        {
            return block;
        }

        buffer ??= new byte[InterleavedRows.Rows * _rowBytes];
        for (int k = 0; k < InterleavedRows.Rows; k++)
        {
            InterleavedRows.Gather(block, k, InterleavedRows.Rows, _rowBytes, buffer.AsSpan(k * _rowBytes, _rowBytes));
        }

        return buffer;
    }

    // Σ (q − za)(c − zw) exactly, from Σ q·c and the code sums; then the two scales, rounded once.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float IntegerProduct(PreparedInput x, int token, int row, long dot)
    {
        long za = (long)x.Zeros[token], zw = (long)_zeros[row];
        long exact = dot - (zw * x.CodeSums[token]) - (za * _codeSums[row]) + (Columns * za * zw);
        return (float)((double)x.Scales[token] * _scales[row] * exact);
    }
}
