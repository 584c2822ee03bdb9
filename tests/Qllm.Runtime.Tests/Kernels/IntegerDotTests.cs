using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

[Trait("Category", KernelPaths.Category)]
public sealed class IntegerDotTests
{
    public static TheoryData<string, int> AllPaths => KernelPaths.WithWidths(KernelPaths.IntegerPaths);

    public static TheoryData<string, int> WidePaths => KernelPaths.WithWidths(KernelPaths.WideIntegerPaths);

    public static TheoryData<string> Paths => KernelPaths.IntegerPaths;

    public static TheoryData<string, int> InterleavedPaths => KernelPaths.WithWidths([KernelPaths.Avx2, KernelPaths.AvxVnni]);

    [SkippableTheory]
    [MemberData(nameof(AllPaths))]
    public void The_packed_4_bit_product_equals_the_definition(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns);
        var activation = KernelData.Codes(random, columns, 8);
        var codes = KernelData.Codes(random, columns, 4);

        Assert.Equal(KernelData.Dot(activation, codes), DotPacked4(path, KernelData.Permuted(activation), KernelData.Pack4(codes)));
    }

    [SkippableTheory]
    [MemberData(nameof(AllPaths))]
    public void The_byte_product_equals_the_definition(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 1000);
        var activation = KernelData.Codes(random, columns, 8);
        var codes = KernelData.Codes(random, columns, 6);

        Assert.Equal(KernelData.Dot(activation, codes), DotBytes(path, activation, codes));
    }

    [SkippableTheory]
    [MemberData(nameof(WidePaths))]
    public void Four_rows_at_once_equal_four_single_rows(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 2000);
        var activation = KernelData.Permuted(KernelData.Codes(random, columns, 8));
        var rows = Enumerable.Range(0, 4).Select(_ => KernelData.Pack4(KernelData.Codes(random, columns, 4))).ToArray();
        var results = new int[4];
        var all = rows.SelectMany(r => r).ToArray();
        switch (path)
        {
            case KernelPaths.AvxVnni:
                IntegerDot.DotPacked4Rows4Avx2<VnniPairs>(activation, all, rows[0].Length, results);
                break;
            case KernelPaths.Avx512:
                IntegerDotAvx512.DotPacked4Rows4(activation, all, rows[0].Length, results);
                break;
            default:
                IntegerDot.DotPacked4Rows4Avx2<Avx2Pairs>(activation, all, rows[0].Length, results);
                break;
        }

        Assert.Equal(rows.Select(r => IntegerDot.DotPacked4Scalar(activation, r)), results);
    }

    [SkippableTheory]
    [MemberData(nameof(InterleavedPaths))]
    public void Four_interleaved_rows_equal_four_single_rows(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 3000);
        var activation = KernelData.Permuted(KernelData.Codes(random, columns, 8));
        var rows = Enumerable.Range(0, 4).Select(_ => KernelData.Pack4(KernelData.Codes(random, columns, 4))).ToArray();
        var block = new byte[4 * rows[0].Length];
        InterleavedRows.Interleave(rows.SelectMany(r => r).ToArray(), 4, rows[0].Length, block);
        var results = new int[4];
        if (path == KernelPaths.AvxVnni)
        {
            IntegerDot.DotPacked4Interleaved4Avx2<VnniPairs>(activation, block, results);
        }
        else
        {
            IntegerDot.DotPacked4Interleaved4Avx2<Avx2Pairs>(activation, block, results);
        }

        Assert.Equal(rows.Select(r => IntegerDot.DotPacked4Scalar(activation, r)), results);
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void The_extreme_codes_do_not_saturate(string path)
    {
        // 255 · 15 in every pair: the largest sums the 16-bit lanes of the AVX2 path ever hold.
        KernelPaths.Require(path);
        var activation = Enumerable.Repeat((byte)255, 768).ToArray();
        var codes = Enumerable.Repeat((byte)15, 768).ToArray();
        Assert.Equal(768L * 255 * 15, DotPacked4(path, KernelData.Permuted(activation), KernelData.Pack4(codes)));
        var sixBit = Enumerable.Repeat((byte)63, 768).ToArray();
        Assert.Equal(768L * 255 * 63, DotBytes(path, activation, sixBit));
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

    private static int DotPacked4(string path, byte[] activation, byte[] packed) => path switch
    {
        KernelPaths.Scalar => IntegerDot.DotPacked4Scalar(activation, packed),
        KernelPaths.Vector128 => IntegerDot.DotPacked4Vector128(activation, packed),
        KernelPaths.Avx2 => IntegerDot.DotPacked4Avx2<Avx2Pairs>(activation, packed),
        KernelPaths.AvxVnni => IntegerDot.DotPacked4Avx2<VnniPairs>(activation, packed),
        KernelPaths.Avx512 => IntegerDotAvx512.DotPacked4(activation, packed),
        _ => IntegerDot.DotPacked4(activation, packed),
    };

    private static int DotBytes(string path, byte[] activation, byte[] codes) => path switch
    {
        KernelPaths.Scalar => IntegerDot.DotBytesScalar(activation, codes, 0),
        KernelPaths.Vector128 => IntegerDot.DotBytesVector128(activation, codes),
        KernelPaths.Avx2 => IntegerDot.DotBytesAvx2<Avx2Pairs>(activation, codes),
        KernelPaths.AvxVnni => IntegerDot.DotBytesAvx2<VnniPairs>(activation, codes),
        KernelPaths.Avx512 => IntegerDotAvx512.DotBytes(activation, codes),
        _ => IntegerDot.DotBytes(activation, codes),
    };
}
