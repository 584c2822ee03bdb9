using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

public sealed class InterleavedRowsTests
{
    // Widths with only full groups, with a half group, with a natural tail and with neither group;
    // row counts with and without rows past the last block of four.
    [Theory]
    [InlineData(9, 2048)]
    [InlineData(8, 288)]
    [InlineData(7, 100)]
    [InlineData(5, 30)]
    [InlineData(3, 128)]
    public void Every_row_is_gathered_back_as_it_was(int rows, int columns)
    {
        int rowBytes = (columns + 1) / 2;
        var random = new Random(rows * columns);
        var rowMajor = new byte[rows * rowBytes];
        random.NextBytes(rowMajor);
        var interleaved = new byte[rowMajor.Length];
        InterleavedRows.Interleave(rowMajor, rows, rowBytes, interleaved);

        var row = new byte[rowBytes];
        for (int r = 0; r < rows; r++)
        {
            InterleavedRows.Gather(interleaved, r, rows, rowBytes, row);
            Assert.Equal(rowMajor.AsSpan(r * rowBytes, rowBytes).ToArray(), row);
        }

        Assert.Equal(rowMajor.Order(), interleaved.Order());
    }

    [Fact]
    public void A_block_holds_each_group_of_its_four_rows_side_by_side()
    {
        // Four rows of 64 + 32 columns: 32 + 16 bytes each, so one full group and a rest of 16 bytes.
        const int RowBytes = 48;
        var rowMajor = new byte[4 * RowBytes];
        for (int r = 0; r < 4; r++)
        {
            rowMajor.AsSpan(r * RowBytes, RowBytes).Fill((byte)(r + 1));
        }

        var interleaved = new byte[rowMajor.Length];
        InterleavedRows.Interleave(rowMajor, 4, RowBytes, interleaved);

        for (int r = 0; r < 4; r++)
        {
            Assert.All(interleaved.AsSpan(r * 32, 32).ToArray(), b => Assert.Equal(r + 1, b));
            Assert.All(interleaved.AsSpan(128 + (r * 16), 16).ToArray(), b => Assert.Equal(r + 1, b));
        }
    }
}
