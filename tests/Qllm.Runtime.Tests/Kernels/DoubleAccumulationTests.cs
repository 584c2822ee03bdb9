using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

/// <summary>
/// Attention's double accumulations: the 128-, 256- and 512-bit paths by name, and the dispatched
/// one (the instruction-set runs reach the scalar branches through it).
/// </summary>
[Trait("Category", KernelPaths.Category)]
public sealed class DoubleAccumulationTests
{
    public static TheoryData<string, int> Paths => KernelPaths.WithWidths([KernelPaths.Vector128, KernelPaths.Avx2, KernelPaths.Avx512, KernelPaths.Dispatch]);

    [SkippableTheory]
    [MemberData(nameof(Paths))]
    public void The_dot_product_is_the_double_sum_of_exact_products(string path, int columns)
    {
        KernelPaths.Require(path);
        var random = new Random(columns + 13);
        var a = KernelData.Floats(random, columns);
        var b = KernelData.Floats(random, columns);
        double actual = path switch
        {
            KernelPaths.Vector128 => DoubleAccumulation.DotVector128(a, b),
            KernelPaths.Avx2 => DoubleAccumulation.DotVector256(a, b),
            KernelPaths.Avx512 => DoubleAccumulation.DotVector512(a, b),
            _ => DoubleAccumulation.Dot(a, b),
        };

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
        switch (path)
        {
            case KernelPaths.Vector128:
                DoubleAccumulation.AddScaledVector128(sums, 0.37, values);
                break;
            case KernelPaths.Avx2:
                DoubleAccumulation.AddScaledVector256(sums, 0.37, values);
                break;
            case KernelPaths.Avx512:
                DoubleAccumulation.AddScaledVector512(sums, 0.37, values);
                break;
            default:
                DoubleAccumulation.AddScaled(sums, 0.37, values);
                break;
        }

        Assert.Equal(expected, sums);
    }
}
