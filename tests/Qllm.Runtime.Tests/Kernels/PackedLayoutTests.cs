namespace Qllm.Runtime.Tests.Kernels;

[Trait("Category", KernelPaths.Category)]
public sealed class PackedLayoutTests
{
    public static TheoryData<int> Widths => KernelData.Widths;

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_order_is_a_permutation_and_the_last_columns_stay_in_place(int columns)
    {
        var natural = Enumerable.Range(0, columns).ToArray();
        var permuted = KernelData.Permuted(natural);
        Assert.Equal(natural, permuted.Order());
        int grouped = (columns / 64 * 64) + (columns % 64 >= 32 ? 32 : 0);
        Assert.Equal(natural[grouped..], permuted[grouped..]);
    }

    [Fact]
    public void A_64_column_group_reads_its_even_columns_then_its_odd_ones()
    {
        var permuted = KernelData.Permuted(Enumerable.Range(0, 96).ToArray());
        Assert.Equal(Enumerable.Range(0, 32).Select(i => 2 * i), permuted[..32]);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (2 * i) + 1), permuted[32..64]);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => 64 + (2 * i)), permuted[64..80]);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => 65 + (2 * i)), permuted[80..]);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Codes_take_the_order_of_the_column_indices(int columns)
    {
        // Bytes take a vector path; the column indices (ints) the element-wise definition.
        var indices = KernelData.Permuted(Enumerable.Range(0, columns).ToArray());
        var codes = Enumerable.Range(0, columns).Select(i => (byte)((i * 37) + 11)).ToArray();
        Assert.Equal(indices.Select(i => codes[i]), KernelData.Permuted(codes));
    }
}
