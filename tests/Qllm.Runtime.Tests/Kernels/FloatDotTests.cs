using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// The float kernels. Their vector branches sit inside one method each (Vector256, Vector128, FMA or
/// not), so they are reached by the runs of <see cref="InstructionSetRunTests"/>; the byte kernels
/// also have an AVX2 method of their own, and every kernel a 512-bit one, checked here by name.
/// </summary>
[Trait("Category", KernelPaths.Category)]
public sealed class FloatDotTests
{
    public static TheoryData<string, int> BytePaths => KernelPaths.WithWidths([KernelPaths.Vector128, KernelPaths.Avx2, KernelPaths.Avx512, KernelPaths.Dispatch]);

    public static TheoryData<string, int> WidePaths => KernelPaths.WithWidths([KernelPaths.Avx512, KernelPaths.Dispatch]);

    public static TheoryData<string, int> RowPaths => KernelPaths.WithWidths([KernelPaths.Avx2, KernelPaths.Avx512]);

    public static TheoryData<string, int> InterleavedPaths => KernelPaths.WithWidths([KernelPaths.Avx2]);

    [SkippableTheory]
    [MemberData(nameof(WidePaths))]
    public void Float_activations_against_packed_4_bit_codes(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns);
        var activation = KernelData.Floats(random, columns);
        var codes = KernelData.Codes(random, columns, 4);
        var permuted = KernelData.Permuted(activation);
        var packed = KernelData.Pack4(codes);
        float actual = path == KernelPaths.Avx512 ? FloatDotAvx512.DotPacked4(permuted, packed, 7) : FloatDot.DotPacked4(permuted, packed, 7);
        Close(KernelData.Dot(activation, codes, 7), actual, columns * 3 * 8);
    }

    [SkippableTheory]
    [MemberData(nameof(BytePaths))]
    public void Float_activations_against_byte_codes(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 7);
        var activation = KernelData.Floats(random, columns);
        var codes = KernelData.Codes(random, columns, 8);
        float actual = path switch
        {
            KernelPaths.Vector128 => FloatDot.DotBytesPortable(activation, codes, 128),
            KernelPaths.Avx2 => FloatDot.DotBytesAvx2(activation, codes, 128),
            KernelPaths.Avx512 => FloatDotAvx512.DotBytes(activation, codes, 128),
            _ => FloatDot.DotBytes(activation, codes, 128),
        };

        Close(KernelData.Dot(activation, codes, 128), actual, columns * 3 * 128);
    }

    [SkippableTheory]
    [MemberData(nameof(RowPaths))]
    public void Four_byte_rows_at_once_equal_four_single_rows(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 11);
        var activation = KernelData.Floats(random, columns);
        var rows = Enumerable.Range(0, 4).Select(_ => KernelData.Codes(random, columns, 8)).ToArray();
        float[] zeros = [0, 17, 128, 255];
        var results = new float[4];
        var all = rows.SelectMany(r => r).ToArray();
        if (path == KernelPaths.Avx512)
        {
            FloatDotAvx512.DotBytesRows4(activation, all, zeros, results);
        }
        else
        {
            FloatDot.DotBytesRows4Avx2(activation, all, zeros, results);
        }

        for (int r = 0; r < 4; r++)
        {
            Close(KernelData.Dot(activation, rows[r], zeros[r]), results[r], columns * 3 * 255);
        }
    }

    // The same codes in the interleaved layout, read as one stream: the same sums in the same order.
    [SkippableTheory]
    [MemberData(nameof(InterleavedPaths))]
    public void Four_interleaved_byte_rows_give_the_bits_of_the_row_major_kernel(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 13);
        var activation = KernelData.Floats(random, columns);
        var rowMajor = Enumerable.Range(0, 4).SelectMany(_ => KernelData.Codes(random, columns, 8)).ToArray();
        var interleaved = new byte[rowMajor.Length];
        InterleavedRows.Interleave(rowMajor, 4, columns, interleaved);
        float[] zeros = [0, 17, 128, 255];
        var expected = new float[4];
        var actual = new float[4];
        FloatDot.DotBytesRows4Avx2(activation, rowMajor, zeros, expected);
        FloatDot.DotBytesInterleaved4(activation, interleaved, zeros, actual);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
    }

    [SkippableTheory]
    [MemberData(nameof(WidePaths))]
    public void Float_by_float(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 9);
        var a = KernelData.Floats(random, columns);
        var b = KernelData.Floats(random, columns);
        Close(a.Zip(b, (x, y) => (double)x * y).Sum(), path == KernelPaths.Avx512 ? FloatDotAvx512.Dot(a, b) : FloatDot.Dot(a, b), columns * 9);
    }

    // Float sums in another order: the error is bounded by a few ulps of the sum of |terms|.
    private static void Close(double expected, float actual, double magnitude) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * magnitude, $"{actual} instead of {expected}");
}
