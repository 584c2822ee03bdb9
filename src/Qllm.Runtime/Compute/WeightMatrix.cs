namespace Qllm.Runtime.Compute;

/// <summary>The weight of a linear, [rows = outputs, columns = inputs], and its product with prepared inputs.</summary>
internal abstract class WeightMatrix(int rows, int columns)
{
    public int Rows { get; } = rows;

    public int Columns { get; } = columns;

    /// <summary>Bytes of weight data this matrix keeps in memory (mapped or owned).</summary>
    public abstract long Bytes { get; }

    /// <summary>Whether its rows are packed 4-bit codes, read in <see cref="Kernels.PackedLayout"/> order.</summary>
    public abstract bool PackedLayout { get; }

    /// <summary>
    /// y[t, r] = Σ_j x[t, j]·W[r, j] for rows <paramref name="rowStart"/> .. <paramref name="rowEnd"/> − 1 and
    /// every token t; <paramref name="output"/> is [tokens × Rows].
    /// </summary>
    public abstract void Multiply(PreparedInput x, Span<float> output, int rowStart, int rowEnd);

    /// <summary>Writes row <paramref name="row"/> as floats (embedding lookup).</summary>
    public abstract void ReadRow(int row, Span<float> destination);
}
