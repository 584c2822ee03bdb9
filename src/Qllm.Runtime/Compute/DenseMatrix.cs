using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Compute;

/// <summary>A float32 weight: the full-precision path the quantized ones are measured against.</summary>
internal sealed class DenseMatrix : WeightMatrix
{
    private readonly float[] _weights;

    public DenseMatrix(float[] weights, int rows, int columns)
        : base(rows, columns)
    {
        if (weights.Length != (long)rows * columns)
        {
            throw new ArgumentException($"{weights.Length} values do not make a [{rows}, {columns}] matrix", nameof(weights));
        }

        _weights = weights;
    }

    public override long Bytes => _weights.Length * 4L;

    public override bool PackedLayout => false;

    public override void Multiply(PreparedInput x, Span<float> output, int rowStart, int rowEnd)
    {
        for (int r = rowStart; r < rowEnd; r++)
        {
            var row = _weights.AsSpan(r * Columns, Columns);
            for (int t = 0; t < x.Tokens; t++)
            {
                output[(t * Rows) + r] = FloatDot.Dot(x.Values.AsSpan(t * Columns, Columns), row);
            }
        }
    }

    public override void ReadRow(int row, Span<float> destination) => _weights.AsSpan(row * Columns, Columns).CopyTo(destination);
}
