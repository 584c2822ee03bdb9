using Qllm.Artifacts.Container;

namespace Qllm.Artifacts.Tests.Container;

public sealed class BitPackingTests
{
    public static TheoryData<int> BitWidths => [2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(BitWidths))]
    public void Pack_then_unpack_returns_the_codes_for_every_width_and_odd_columns(int bits)
    {
        var random = new Random(bits);
        foreach (var cols in new[] { 1, 3, 5, 7, 9, 13, 31, 33 })
        {
            const int Rows = 3;
            var codes = RandomCodes(random, bits, Rows * cols);

            var packed = BitPacking.Pack(codes, bits, Rows, cols);

            Assert.Equal(Rows * (((cols * bits) + 7) / 8), packed.Length);
            Assert.Equal(ReferencePack(codes, bits, Rows, cols), packed);
            Assert.Equal(codes, BitPacking.Unpack(packed, bits, Rows, cols));
        }
    }

    [Theory]
    [MemberData(nameof(BitWidths))]
    public void Every_row_starts_on_a_byte_boundary_and_unpacks_on_its_own(int bits)
    {
        const int Rows = 4;
        const int Cols = 11;
        var codes = RandomCodes(new Random(100 + bits), bits, Rows * Cols);
        var packed = BitPacking.Pack(codes, bits, Rows, Cols);
        var rowBytes = (int)BitPacking.RowBytes(bits, Cols);

        for (var row = 0; row < Rows; row++)
        {
            var alone = BitPacking.Unpack(packed.AsSpan(row * rowBytes, rowBytes), bits, 1, Cols);
            Assert.Equal(codes.AsSpan(row * Cols, Cols).ToArray(), alone);

            // The bits past the row's last code are zero, so equal rows give equal bytes.
            var usedBits = Cols * bits % 8;
            if (usedBits != 0)
            {
                Assert.Equal(0, packed[(row * rowBytes) + rowBytes - 1] >> usedBits);
            }
        }
    }

    [Fact]
    public void U4_puts_the_first_code_in_the_low_nibble() =>
        Assert.Equal(new byte[] { 0x21, 0x03, 0x54, 0x06 }, BitPacking.Pack([1, 2, 3, 4, 5, 6], 4, 2, 3));

    [Fact]
    public void U3_matches_the_worked_example_of_the_format_document()
    {
        // docs/artifact-format.md: codes 5, 3, 7, 1, 6 at 3 bits -> 0xDD 0x63.
        var packed = BitPacking.Pack([5, 3, 7, 1, 6], 3, 1, 5);
        Assert.Equal(new byte[] { 0xDD, 0x63 }, packed);
    }

    [Fact]
    public void U2_packs_four_codes_to_a_byte_low_bits_first() =>
        Assert.Equal(new byte[] { 0b11_10_01_00, 0b01 }, BitPacking.Pack([0, 1, 2, 3, 1], 2, 1, 5));

    [Fact]
    public void A_code_too_large_for_its_width_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => BitPacking.Pack([1, 16], 4, 1, 2));
        Assert.Contains("4 bits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sizes_that_disagree_are_refused()
    {
        Assert.Throws<ArgumentException>(() => BitPacking.Pack([1, 2, 3], 4, 2, 2));
        Assert.Throws<ArgumentException>(() => BitPacking.Unpack([1, 2, 3], 4, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPacking.Pack([1], 1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPacking.Pack([1], 9, 1, 1));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Ten_million_codes_pack_to_their_length_and_unpack_to_themselves(int bits)
    {
        // Correctness at a real layer's size; how fast is bench/ (BitPackingBenchmarks), not a unit test.
        const int Rows = 10_000;
        const int Cols = 1_000;
        var codes = RandomCodes(new Random(7), bits, Rows * Cols);

        var packed = BitPacking.Pack(codes, bits, Rows, Cols);
        var unpacked = BitPacking.Unpack(packed, bits, Rows, Cols);

        Assert.Equal(Rows * ((((long)Cols * bits) + 7) / 8), packed.Length);
        Assert.Equal(BitPacking.PackedLength(bits, Rows, Cols), packed.Length);
        Assert.True(codes.AsSpan().SequenceEqual(unpacked), "unpacked codes differ");
    }

    internal static byte[] RandomCodes(Random random, int bits, int count)
    {
        var codes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            codes[i] = (byte)random.Next(1 << bits);
        }

        return codes;
    }

    /// <summary>The rule, one bit at a time: bit k of code j of a row is bit j·b + k of the row's little-endian bit stream.</summary>
    private static byte[] ReferencePack(byte[] codes, int bits, int rows, int cols)
    {
        var rowBytes = ((cols * bits) + 7) / 8;
        var packed = new byte[rows * rowBytes];
        for (var row = 0; row < rows; row++)
        {
            for (var j = 0; j < cols; j++)
            {
                for (var k = 0; k < bits; k++)
                {
                    if ((codes[(row * cols) + j] >> k & 1) != 0)
                    {
                        var bit = (j * bits) + k;
                        packed[(row * rowBytes) + (bit / 8)] |= (byte)(1 << (bit % 8));
                    }
                }
            }
        }

        return packed;
    }
}
