using System.Runtime.Intrinsics.X86;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

[Trait("Category", KernelPaths.Category)]
public sealed class CodeSumsTests
{
    public static TheoryData<int, bool> Rows => new()
    {
        { 0, true }, { 1, true }, { 31, true }, { 32, true }, { 33, true }, { 144, true }, { 1024, true }, { 2816, true },
        { 0, false }, { 7, false }, { 64, false }, { 288, false }, { 2048, false },
    };

    [SkippableTheory]
    [MemberData(nameof(Rows))]
    public void The_sum_is_the_sum_of_every_code(int bytes, bool packed)
    {
        var row = new byte[bytes];
        new Random(bytes).NextBytes(row);
        int expected = packed ? row.Sum(b => (b & 0x0F) + (b >> 4)) : row.Sum(b => b);

        Assert.Equal(expected, CodeSums.SumScalar(row, packed, 0));
        Assert.Equal(expected, CodeSums.Sum(row, packed));
        Skip.IfNot(Avx2.IsSupported, "AVX2 is not available on this CPU");
        Assert.Equal(expected, CodeSums.SumAvx2(row, packed));
    }

    [Fact]
    public void All_ones_at_the_widest_row_do_not_overflow()
    {
        var row = Enumerable.Repeat((byte)0xFF, 1 << 16).ToArray();
        Assert.Equal(30 << 16, CodeSums.Sum(row, packed: true));
        Assert.Equal(255 << 16, CodeSums.Sum(row, packed: false));
    }
}
