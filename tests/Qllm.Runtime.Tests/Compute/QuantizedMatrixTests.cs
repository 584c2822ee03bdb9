using Qllm.Artifacts.Container;
using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

[Trait("Category", Kernels.KernelPaths.Category)]
public sealed class QuantizedMatrixTests
{
    [Theory]
    [InlineData(4, 4, 288)]
    [InlineData(4, 8, 768)]
    [InlineData(4, 16, 100)]
    [InlineData(6, 6, 288)]
    [InlineData(8, 8, 65)]
    [InlineData(3, 16, 33)]
    public void Products_equal_the_dequantized_float_products(int weightBits, int activationBits, int columns)
    {
        var (matrix, natural, scales, zeros, x, prepared) = RandomMatrix(weightBits, activationBits, columns);
        var output = new float[Tokens * Rows];
        matrix.Multiply(prepared, output, 0, Rows);

        for (int t = 0; t < Tokens; t++)
        {
            var activation = x.AsSpan(t * columns, columns).ToArray();
            if (activationBits < 16)
            {
                TokenQuantizer.FakeQuantize(activation, activationBits);
            }

            for (int r = 0; r < Rows; r++)
            {
                double expected = 0;
                for (int j = 0; j < columns; j++)
                {
                    expected += activation[j] * ((natural[(r * columns) + j] - zeros[r]) * scales[r]);
                }

                Assert.True(Math.Abs(expected - output[(t * Rows) + r]) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"token {t}, row {r}: {output[(t * Rows) + r]} instead of {expected}");
            }
        }
    }

    // Blocks of four 4-bit rows against integer activations finish their sums four rows at a time;
    // a row alone takes the scalar path. The integers are exact either way, so the bits must agree.
    [Theory]
    [InlineData(4, 288)]
    [InlineData(8, 768)]
    [InlineData(4, 100)]
    [InlineData(8, 33)]
    public void Four_row_blocks_give_the_bits_of_rows_taken_one_at_a_time(int activationBits, int columns)
    {
        var (matrix, _, _, _, _, prepared) = RandomMatrix(4, activationBits, columns);
        var blocked = new float[Tokens * Rows];
        var single = new float[Tokens * Rows];
        matrix.Multiply(prepared, blocked, 0, Rows);
        for (int r = 0; r < Rows; r++)
        {
            matrix.Multiply(prepared, single, r, r + 1);
        }

        Assert.Equal(single.Select(BitConverter.SingleToInt32Bits), blocked.Select(BitConverter.SingleToInt32Bits));
    }

    // Interleaved rows hold the same codes in other places: every product (integer activations
    // through the four-row kernel, floats and the lone row through gathered rows) and every row read
    // back must give the bits of the row-major layout.
    [Theory]
    [InlineData(4, 288)]
    [InlineData(8, 768)]
    [InlineData(16, 100)]
    [InlineData(4, 2048)]
    [InlineData(8, 33)]
    public void Interleaved_rows_give_the_bits_of_the_row_major_layout(int activationBits, int columns)
    {
        var (matrix, natural, scales, zeros, _, prepared) = RandomMatrix(4, activationBits, columns);
        var interleaved = new QuantizedMatrix(WeightCodes.Interleaved(Pack4(natural, Rows, columns), Rows, (columns + 1) / 2, packed: true), 4, Rows, columns, scales, zeros);
        SameBits(matrix, interleaved, [prepared]);
    }

    // The classifier's byte rows against float activations, interleaved: one token through the
    // four-row kernel, many through the prefill's blocks (rows gathered back), the lone row in place,
    // and every row read back (the tied embedding's lookup) must give the bits of the row-major layout.
    [Theory]
    [InlineData(288)]
    [InlineData(2048)]
    [InlineData(100)]
    [InlineData(33)]
    public void Interleaved_byte_rows_give_the_bits_of_the_row_major_layout(int columns)
    {
        var (matrix, natural, scales, zeros, x, prepared) = RandomMatrix(8, 16, columns);
        var interleaved = new QuantizedMatrix(WeightCodes.Interleaved(natural, Rows, columns, packed: false), 8, Rows, columns, scales, zeros);
        var one = new InputPoint(columns, null, 16, 8, matrix.PackedLayout).Prepare(x.AsSpan(0, columns), 1);
        SameBits(matrix, interleaved, [prepared, one]);
    }

    private const int Rows = 21, Tokens = 3;

    // The interleaved copy's products of every input, and each of its rows read back, against the row-major matrix's.
    private static void SameBits(QuantizedMatrix rowMajor, QuantizedMatrix interleaved, PreparedInput[] inputs)
    {
        foreach (var input in inputs)
        {
            var expected = new float[input.Tokens * Rows];
            var actual = new float[input.Tokens * Rows];
            rowMajor.Multiply(input, expected, 0, Rows);
            interleaved.Multiply(input, actual, 0, Rows);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }

        var rowMajorRow = new float[rowMajor.Columns];
        var interleavedRow = new float[rowMajor.Columns];
        for (int r = 0; r < Rows; r++)
        {
            rowMajor.ReadRow(r, rowMajorRow);
            interleaved.ReadRow(r, interleavedRow);
            Assert.Equal(rowMajorRow, interleavedRow);
        }
    }

    // A random matrix of Rows rows (five blocks of four and one row alone), Tokens random activations, prepared.
    private static (QuantizedMatrix Matrix, byte[] Natural, float[] Scales, float[] Zeros, float[] X, PreparedInput Prepared) RandomMatrix(int weightBits, int activationBits, int columns)
    {
        var random = new Random(weightBits * 100 + columns);
        var natural = Enumerable.Range(0, Rows * columns).Select(_ => (byte)random.Next(1 << weightBits)).ToArray();
        var scales = Enumerable.Range(0, Rows).Select(_ => (float)(random.NextDouble() * 0.1) + 1e-3f).ToArray();
        var zeros = Enumerable.Range(0, Rows).Select(_ => (float)random.Next(1 << weightBits)).ToArray();
        var stored = weightBits == 4 ? Pack4(natural, Rows, columns) : natural;
        var matrix = new QuantizedMatrix(WeightCodes.Owned(stored), weightBits, Rows, columns, scales, zeros);
        var x = Enumerable.Range(0, Tokens * columns).Select(_ => (float)((random.NextDouble() * 4) - 1.5)).ToArray();
        var input = new InputPoint(columns, null, activationBits, weightBits, matrix.PackedLayout);
        return (matrix, natural, scales, zeros, x, input.Prepare(x, Tokens));
    }

    private static byte[] Pack4(byte[] codes, int rows, int columns)
    {
        var packed = new byte[rows * ((columns + 1) / 2)];
        BitPacking.Pack(codes, 4, rows, columns, packed);
        return packed;
    }
}
