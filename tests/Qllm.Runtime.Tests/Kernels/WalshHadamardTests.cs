using Qllm.Runtime.Tests.Compute;
using Qllm.Runtime.Kernels;

namespace Qllm.Runtime.Tests.Kernels;

[Trait("Category", KernelPaths.Category)]
public sealed class WalshHadamardTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(512)]
    public void The_transform_is_the_product_with_the_Sylvester_matrix(int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
        var expected = Dense.Multiply(x, Dense.Sylvester(length), length);

        var actual = (double[])x.Clone();
        WalshHadamard.Transform(actual);

        Assert.All(Enumerable.Range(0, length), i => Assert.Equal(expected[i], actual[i], 1e-12));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(64, 12)]
    [InlineData(2, 144)]
    public void A_stride_transforms_every_column(int length, int stride)
    {
        var random = new Random(length * stride);
        var values = Enumerable.Range(0, length * stride).Select(_ => random.NextDouble() - 0.5).ToArray();
        var actual = (double[])values.Clone();
        WalshHadamard.Transform(actual, stride);

        for (int column = 0; column < stride; column++)
        {
            var expected = Enumerable.Range(0, length).Select(i => values[(i * stride) + column]).ToArray();
            WalshHadamard.Transform(expected);
            Assert.All(Enumerable.Range(0, length), i => Assert.Equal(expected[i], actual[(i * stride) + column], 1e-12));
        }
    }

    [Theory]
    [InlineData(6, 1)]
    [InlineData(12, 4)]
    [InlineData(10, 3)]
    public void A_count_of_rows_that_is_no_power_of_two_is_refused(int length, int stride) =>
        Assert.Throws<ArgumentException>(() => WalshHadamard.Transform(new double[length], stride));
}
