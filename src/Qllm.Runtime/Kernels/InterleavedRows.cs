using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qllm.Runtime.Kernels;

/// <summary>
/// A layout of rows for the four-row kernels <see cref="IntegerDot.DotPacked4Interleaved4"/> (packed
/// 4-bit rows) and <see cref="FloatDot.DotBytesInterleaved4"/> (the classifier's byte rows): each block of
/// four rows stores its first group of 32 bytes (64 packed columns, or 32 byte columns) of row 0, 1, 2
/// and 3, then the second group of each, and so on; the rest of each row follows row after row.
/// Rows past the last full block stay as they are. The four-row kernel then reads a
/// block front to back as one stream, where the row-major layout has it read four streams a row
/// apart: a decode reads every weight once from memory, and one stream is what the hardware
/// prefetcher follows best (4-bit rows alone: 1.14× on 64 MB from memory, a 1.1B-parameter model's
/// decode with the copy on huge pages 1.43× on one AVX2 thread; its classifier alone: 1.33–1.40×;
/// docs/benchmarks.md). The codes and the sums are unchanged; only their places move.
/// </summary>
internal static class InterleavedRows
{
    /// <summary>Rows per block.</summary>
    public const int Rows = 4;

    /// <summary>Bytes of a row that stay together: a full group of packed 4-bit codes (64 columns), or 32 one-byte codes.</summary>
    public const int GroupBytes = PackedLayout.Group / 2;

    /// <summary>Writes <paramref name="rows"/> rows of <paramref name="rowBytes"/> each, row-major in <paramref name="rowMajor"/>, into <paramref name="interleaved"/>.</summary>
    public static void Interleave(ReadOnlySpan<byte> rowMajor, int rows, int rowBytes, Span<byte> interleaved)
    {
        int length = rows * rowBytes;
        ArgumentOutOfRangeException.ThrowIfLessThan(rowMajor.Length, length, nameof(rowMajor));
        ArgumentOutOfRangeException.ThrowIfLessThan(interleaved.Length, length, nameof(interleaved));
        int blockBytes = Rows * rowBytes;
        int full = rows / Rows * blockBytes;
        int groupBytes = rowBytes / GroupBytes * GroupBytes;
        int rest = rowBytes - groupBytes;

        // A model's worth of weights passes through here at load: whole groups move as vectors
        // (the lengths are checked above, so the unchecked loads and stores stay inside both spans).
        ref byte source = ref MemoryMarshal.GetReference(rowMajor);
        ref byte target = ref MemoryMarshal.GetReference(interleaved);
        for (int block = 0; block < full; block += blockBytes)
        {
            for (int row = 0; row < Rows; row++)
            {
                int from = block + (row * rowBytes);
                for (int at = 0; at < groupBytes; at += GroupBytes)
                {
                    Vector256.LoadUnsafe(ref source, (nuint)(from + at)).StoreUnsafe(ref target, (nuint)(block + (at * Rows) + (row * GroupBytes)));
                }

                rowMajor.Slice(from + groupBytes, rest).CopyTo(interleaved[(block + (Rows * groupBytes) + (row * rest))..]);
            }
        }

        rowMajor[full..length].CopyTo(interleaved[full..]);
    }

    /// <summary>Writes row <paramref name="row"/> of <paramref name="rows"/> back in its own order from <paramref name="interleaved"/>.</summary>
    public static void Gather(ReadOnlySpan<byte> interleaved, int row, int rows, int rowBytes, Span<byte> destination)
    {
        if (row >= rows / Rows * Rows)
        {
            interleaved.Slice(row * rowBytes, rowBytes).CopyTo(destination);
            return;
        }

        int block = row / Rows * Rows * rowBytes;
        int inBlock = row % Rows;
        int groupBytes = rowBytes / GroupBytes * GroupBytes;
        int rest = rowBytes - groupBytes;
        for (int at = 0; at < groupBytes; at += GroupBytes)
        {
            interleaved.Slice(block + (at * Rows) + (inBlock * GroupBytes), GroupBytes).CopyTo(destination[at..]);
        }

        interleaved.Slice(block + (Rows * groupBytes) + (inBlock * rest), rest).CopyTo(destination[groupBytes..]);
    }
}
