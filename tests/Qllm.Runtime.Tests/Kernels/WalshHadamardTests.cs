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
        WalshHadamard.Transform(actual, length);

        Assert.All(Enumerable.Range(0, length), i => Assert.Equal(expected[i], actual[i], 1e-12));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 144)]
    [InlineData(4, 12)]
    [InlineData(512, 11)]
    public void Runs_are_transformed_each_alone(int length, int runs)
    {
        var random = new Random(length * runs);
        var values = Enumerable.Range(0, length * runs).Select(_ => random.NextDouble() - 0.5).ToArray();
        var actual = (double[])values.Clone();
        WalshHadamard.Transform(actual, length);

        for (int run = 0; run < runs; run++)
        {
            var expected = values.AsSpan(run * length, length).ToArray();
            WalshHadamard.Transform(expected, length);
            Assert.Equal(expected, actual.AsSpan(run * length, length).ToArray());
        }
    }

    [Theory]
    [InlineData(6, 6)]
    [InlineData(12, 12)]
    [InlineData(0, 0)]
    [InlineData(12, 8)]
    public void Runs_that_are_no_power_of_two_or_do_not_fill_the_span_are_refused(int count, int length) =>
        Assert.Throws<ArgumentException>(() => WalshHadamard.Transform(new double[count], length));
}
