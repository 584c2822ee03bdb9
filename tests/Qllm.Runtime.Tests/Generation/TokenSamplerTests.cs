using Qllm.Runtime.Generation;

namespace Qllm.Runtime.Tests.Generation;

public sealed class TokenSamplerTests
{
    [Fact]
    public void ArgMax_finds_the_first_largest_value_as_the_scalar_scan_does()
    {
        var random = new Random(3);
        foreach (int length in new[] { 1, 7, 8, 9, 31, 32000 })
        {
            for (int round = 0; round < 20; round++)
            {
                // Few distinct values, so that the largest repeats; signed zeros and infinities too.
                float[] pool = [-0f, 0f, 1.5f, -2f, float.NegativeInfinity, 3f, 3f, float.PositiveInfinity];
                var values = Enumerable.Range(0, length).Select(_ => round < 10 ? pool[random.Next(round < 5 ? 4 : pool.Length)] : (float)random.NextDouble()).ToArray();
                Assert.Equal(Scalar(values), TokenSampler.ArgMax(values));
            }
        }

        Assert.Equal(2, TokenSampler.ArgMax([1, float.NaN, 5, 5, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Equal(0, TokenSampler.ArgMax([float.NaN, 1, 5, 0, 0, 0, 0, 0, 0, 0]));
        Assert.Equal(9, TokenSampler.ArgMax([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, float.NaN]));
    }

    [Fact]
    public void Sampling_allocates_nothing_per_token_once_warm()
    {
        var random = new Random(4);
        var logits = Enumerable.Range(0, 32000).Select(_ => (float)(random.NextDouble() * 10)).ToArray();
        var sampler = new TokenSampler(0.8, 0.9, 7);
        sampler.Next(logits);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 4; i++)
        {
            sampler.Next(logits);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static int Scalar(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
