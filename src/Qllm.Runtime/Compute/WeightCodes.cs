using System.Buffers;
using Qllm.Artifacts.Container;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Where a matrix's codes live: in place in the artifact (memory-mapped for a file); for bit
/// widths the kernels do not read packed, unpacked to one byte each in an owned array; or, for
/// rows that a four-row kernel reads as one stream, in an owned interleaved copy.
/// </summary>
internal sealed class WeightCodes
{
    // How much of a tensor is read at a time when it is copied into another layout.
    private const int StagingBytes = 1 << 20;

    private readonly ArtifactReader? _reader;
    private readonly ArtifactTensorInfo? _tensor;
    private readonly ArraySegment<byte>? _owned;

    private WeightCodes(ArtifactReader? reader, ArtifactTensorInfo? tensor, ArraySegment<byte>? owned, int[]? interleavedRowSums = null)
    {
        _reader = reader;
        _tensor = tensor;
        _owned = owned;
        InterleavedRowSums = interleavedRowSums;
    }

    /// <summary>The codes as stored, read in place for as long as <paramref name="reader"/> is open.</summary>
    public static WeightCodes InPlace(ArtifactReader reader, ArtifactTensorInfo tensor) => new(reader, tensor, null);

    /// <summary>Codes held in memory, one per byte.</summary>
    public static WeightCodes Owned(byte[] codes) => new(null, null, codes);

    /// <summary>
    /// Rows of <paramref name="rowBytes"/> each (packed 4-bit codes, or one byte per code), copied
    /// from <paramref name="reader"/> into <see cref="Kernels.InterleavedRows"/> order in memory from
    /// <paramref name="arena"/>. They are read from the file a few blocks at a time, so the mapped
    /// pages do not stay resident beside the copy.
    /// </summary>
    public static WeightCodes Interleaved(ArtifactReader reader, ArtifactTensorInfo tensor, int rows, int rowBytes, bool packed, WeightArena arena)
    {
        var codes = arena.Take(rows * rowBytes);
        var sums = new int[rows];
        int blockBytes = Kernels.InterleavedRows.Rows * rowBytes;
        int stagingBytes = Math.Max(1, StagingBytes / blockBytes) * blockBytes;
        var staging = ArrayPool<byte>.Shared.Rent(stagingBytes);
        try
        {
            for (int at = 0; at < codes.Count; at += stagingBytes)
            {
                var part = staging.AsSpan(0, Math.Min(stagingBytes, codes.Count - at));
                reader.ReadBytes(tensor, at, part);
                Interleave(part, at / rowBytes, rowBytes, packed, codes.AsSpan(at), sums);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }

        return new WeightCodes(null, null, codes, sums);
    }

    /// <summary>Rows held in memory in row-major order (packed 4-bit codes or bytes), copied into <see cref="Kernels.InterleavedRows"/> order.</summary>
    public static WeightCodes Interleaved(ReadOnlySpan<byte> rowMajor, int rows, int rowBytes, bool packed)
    {
        var codes = new byte[rows * rowBytes];
        var sums = new int[rows];
        Interleave(rowMajor, 0, rowBytes, packed, codes, sums);
        return new WeightCodes(null, null, codes, sums);
    }

    /// <summary>
    /// For codes in <see cref="Kernels.InterleavedRows"/> order, the sum of each row's codes, taken
    /// while the rows were still in their own order; null for codes in row-major order.
    /// </summary>
    public int[]? InterleavedRowSums { get; }

    public ReadOnlySpan<byte> Span => _owned is { } owned ? owned : _reader!.GetBytes(_tensor!);

    public long Bytes => _owned?.Count ?? _tensor!.Length;

    // Whole rows from row firstRow on: each row's code sum while it is in its own order, then the rows moved.
    private static void Interleave(ReadOnlySpan<byte> rowMajor, int firstRow, int rowBytes, bool packed, Span<byte> codes, int[] sums)
    {
        int rows = rowMajor.Length / rowBytes;
        for (int row = 0; row < rows; row++)
        {
            sums[firstRow + row] = Kernels.CodeSums.Sum(rowMajor.Slice(row * rowBytes, rowBytes), packed);
        }

        Kernels.InterleavedRows.Interleave(rowMajor, rows, rowBytes, codes);
    }
}
