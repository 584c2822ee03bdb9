using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// Attention's double accumulations: the 512-bit path by name and the dispatched one (256-bit
/// machines and the instruction-set runs reach the Vector128 and scalar branches through it).
/// </summary>
[Trait("Category", KernelPaths.Category)]
public sealed class DoubleAccumulationTests
{
    public static TheoryData<string, int> Paths => KernelPaths.WithWidths([KernelPaths.Avx512, KernelPaths.Dispatch]);

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void The_dot_product_is_the_double_sum_of_exact_products(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 13);
        var a = KernelData.Floats(random, columns);
        var b = KernelData.Floats(random, columns);
        double actual = path == KernelPaths.Avx512 ? DoubleAccumulation.DotVector512(a, b) : DoubleAccumulation.Dot(a, b);

        // Only the order of double additions differs from the definition's.
        Assert.Equal(a.Zip(b, (x, y) => (double)x * y).Sum(), actual, 1e-12 * columns * 9);
    }

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void Scaled_sums_are_element_wise_and_exact_to_the_definition(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 17);
        var values = KernelData.Floats(random, columns);
        var sums = Enumerable.Range(0, columns).Select(_ => random.NextDouble()).ToArray();
        var expected = sums.Select((s, j) => s + (0.37 * values[j])).ToArray();
        if (path == KernelPaths.Avx512)
        {
            DoubleAccumulation.AddScaledVector512(sums, 0.37, values);
        }
        else
        {
            DoubleAccumulation.AddScaled(sums, 0.37, values);
        }

        Assert.Equal(expected, sums);
    }
}
