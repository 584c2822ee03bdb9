using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// The float kernels. Their vector branches sit inside one method each (Vector256, Vector128, FMA or
/// not), so they are reached by the runs of <see cref="InstructionSetRunTests"/>; the byte kernels
/// also have an AVX2 method of their own, checked here by name.
/// </summary>
[Trait("Category", KernelPaths.Category)]
public sealed class FloatDotTests
{
    public static TheoryData<int> Widths => KernelData.Widths;

    public static TheoryData<string, int> BytePaths => KernelPaths.WithWidths([KernelPaths.Vector128, KernelPaths.Avx2, KernelPaths.Dispatch]);

    [Theory]
    [MemberData(nameof(Widths))]
    public void Float_activations_against_packed_4_bit_codes(int columns)
    {
        var random = new Random(columns);
        var activation = KernelData.Floats(random, columns);
        var codes = KernelData.Codes(random, columns, 4);
        Close(KernelData.Dot(activation, codes, 7), FloatDot.DotPacked4(KernelData.Permuted(activation), KernelData.Pack4(codes), 7), columns * 3 * 8);
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
            _ => FloatDot.DotBytes(activation, codes, 128),
        };

        Close(KernelData.Dot(activation, codes, 128), actual, columns * 3 * 128);
    }

    [SkippableTheory]
    [MemberData(nameof(Widths))]
    public void Four_byte_rows_at_once_equal_four_single_rows(int columns)
    {
        KernelPaths.Require(KernelPaths.Avx2);
        var random = new Random(columns + 11);
        var activation = KernelData.Floats(random, columns);
        var rows = Enumerable.Range(0, 4).Select(_ => KernelData.Codes(random, columns, 8)).ToArray();
        float[] zeros = [0, 17, 128, 255];
        var results = new float[4];
        FloatDot.DotBytesRows4Avx2(activation, rows.SelectMany(r => r).ToArray(), zeros, results);
        for (int r = 0; r < 4; r++)
        {
            Close(KernelData.Dot(activation, rows[r], zeros[r]), results[r], columns * 3 * 255);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Float_by_float(int columns)
    {
        var random = new Random(columns + 9);
        var a = KernelData.Floats(random, columns);
        var b = KernelData.Floats(random, columns);
        Close(a.Zip(b, (x, y) => (double)x * y).Sum(), FloatDot.Dot(a, b), columns * 9);
    }

    // Float sums in another order: the error is bounded by a few ulps of the sum of |terms|.
    private static void Close(double expected, float actual, double magnitude) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * magnitude, $"{actual} instead of {expected}");
}
