using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

public sealed class IntegerDotTests
{
    public static TheoryData<int> Widths => KernelData.Widths;

    [Theory]
    [MemberData(nameof(Widths))]
    public void Every_path_of_the_packed_4_bit_product_equals_the_definition(int columns)
    {
        var random = new Random(columns);
        var activation = KernelData.Codes(random, columns, 8);
        var codes = KernelData.Codes(random, columns, 4);
        var permuted = KernelData.Permuted(activation);
        var packed = KernelData.Pack4(codes);
        long expected = KernelData.Dot(activation, codes);

        Assert.Equal(expected, IntegerDot.DotPacked4Scalar(permuted, packed));
        Assert.Equal(expected, IntegerDot.DotPacked4(permuted, packed));
        if (Vector128.IsHardwareAccelerated)
        {
            Assert.Equal(expected, IntegerDot.DotPacked4Vector128(permuted, packed));
        }

        if (Avx2.IsSupported)
        {
            Assert.Equal(expected, IntegerDot.DotPacked4Avx2(permuted, packed));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Every_path_of_the_byte_product_equals_the_definition(int columns)
    {
        var random = new Random(columns + 1000);
        var activation = KernelData.Codes(random, columns, 8);
        var codes = KernelData.Codes(random, columns, 6);
        long expected = KernelData.Dot(activation, codes);

        Assert.Equal(expected, IntegerDot.DotBytesScalar(activation, codes, 0));
        Assert.Equal(expected, IntegerDot.DotBytes(activation, codes));
        if (Vector128.IsHardwareAccelerated)
        {
            Assert.Equal(expected, IntegerDot.DotBytesVector128(activation, codes));
        }

        if (Avx2.IsSupported)
        {
            Assert.Equal(expected, IntegerDot.DotBytesAvx2(activation, codes));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Four_rows_at_once_equal_four_single_rows(int columns)
    {
        if (!Avx2.IsSupported)
        {
            return; // the portable paths are checked above
        }

        var random = new Random(columns + 2000);
        var activation = KernelData.Permuted(KernelData.Codes(random, columns, 8));
        var rows = Enumerable.Range(0, 4).Select(_ => KernelData.Pack4(KernelData.Codes(random, columns, 4))).ToArray();
        var results = new int[4];
        IntegerDot.DotPacked4Rows4Avx2(activation, rows.SelectMany(r => r).ToArray(), rows[0].Length, results);
        Assert.Equal(rows.Select(r => IntegerDot.DotPacked4Scalar(activation, r)), results);
    }

    [Fact]
    public void The_extreme_codes_do_not_saturate()
    {
        // 255 · 15 in every pair: the largest sums the 16-bit lanes of the AVX2 path ever hold.
        var activation = Enumerable.Repeat((byte)255, 768).ToArray();
        var codes = Enumerable.Repeat((byte)15, 768).ToArray();
        Assert.Equal(768L * 255 * 15, IntegerDot.DotPacked4(KernelData.Permuted(activation), KernelData.Pack4(codes)));
        var sixBit = Enumerable.Repeat((byte)63, 768).ToArray();
        Assert.Equal(768L * 255 * 63, IntegerDot.DotBytes(activation, sixBit));
    }

    [Theory]
    [InlineData(4, 4, true)]
    [InlineData(4, 8, true)]
    [InlineData(6, 6, true)]
    [InlineData(6, 8, true)]
    [InlineData(7, 8, false)]
    [InlineData(8, 8, false)]
    public void Integer_products_are_used_only_where_the_16_bit_lanes_cannot_saturate(int weightBits, int activationBits, bool fits) =>
        Assert.Equal(fits, IntegerDot.Fits(weightBits, activationBits));
}
