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
    private readonly WeightCodes codes;
    private readonly float[] scales;
    private readonly float[] zeros;
    private readonly int[] codeSums;
    private readonly bool packed;
    private readonly int rowBytes;

    public QuantizedMatrix(WeightCodes codes, int bits, int rows, int columns, float[] scales, float[] zeros)
        : base(rows, columns)
    {
        this.codes = codes;
        this.scales = scales;
        this.zeros = zeros;
        Bits = bits;
        packed = bits == 4 && codes.Bytes == (long)rows * ((columns + 1) / 2);
        rowBytes = packed ? (columns + 1) / 2 : columns;
        codeSums = new int[rows];
        var all = codes.Span;
        for (int r = 0; r < rows; r++)
        {
            codeSums[r] = SumCodes(all.Slice(r * rowBytes, rowBytes));
        }
    }

    public int Bits { get; }

    public override long Bytes => codes.Bytes + ((scales.Length + zeros.Length + codeSums.Length) * 4L);

    public override bool PackedLayout => packed;

    public override void Multiply(PreparedInput x, Span<float> output, int rowStart, int rowEnd)
    {
        var all = codes.Span;
        int n = Columns;
        for (int r = rowStart; r < rowEnd; r++)
        {
            var row = all.Slice(r * rowBytes, rowBytes);
            float scale = scales[r];
            float zero = zeros[r];
            for (int t = 0; t < x.Tokens; t++)
            {
                float value;
                if (x.Codes is { } activationCodes)
                {
                    var q = activationCodes.AsSpan(t * n, n);
                    long dot = packed ? IntegerDot.DotPacked4(q, row) : IntegerDot.DotBytes(q, row);
                    long za = (long)x.Zeros[t], zw = (long)zero;
                    long exact = dot - (zw * x.CodeSums[t]) - (za * codeSums[r]) + (n * za * zw);
                    value = (float)((double)x.Scales[t] * scale * exact);
                }
                else
                {
                    var values = x.Values.AsSpan(t * n, n);
                    value = scale * (packed ? FloatDot.DotPacked4(values, row, zero) : FloatDot.DotBytes(values, row, zero));
                }

                output[(t * Rows) + r] = value;
            }
        }
    }

    public override void ReadRow(int row, Span<float> destination)
    {
        var bytes = codes.Span.Slice(row * rowBytes, rowBytes);
        float scale = scales[row], zero = zeros[row];
        for (int j = 0; j < Columns; j++)
        {
            int code = packed ? (bytes[j >> 1] >> ((j & 1) * 4)) & 0x0F : bytes[j];
            destination[j] = (code - zero) * scale;
        }
    }

    private int SumCodes(ReadOnlySpan<byte> row)
    {
        int sum = 0;
        if (packed)
        {
            foreach (byte b in row)
            {
                sum += (b & 0x0F) + (b >> 4);
            }
        }
        else
        {
            foreach (byte b in row)
            {
                sum += b;
            }
        }

        return sum;
    }
}
