using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

public sealed class SwiGluWorkTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Every_value_is_SiLU_of_the_gate_in_double_times_up_whatever_the_threads(int threads)
    {
        const int count = 1000;
        var random = new Random(5);
        var gate = Enumerable.Range(0, count + 3).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
        var up = Enumerable.Range(0, count + 3).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
        var expected = gate.Select((g, i) => i < count ? (float)(g / (1.0 + Math.Exp(-(double)g))) * up[i] : g).ToArray();

        using var workers = new Workers(threads, chunksPerThread: 4, minimumChunkCost: 1);
        new SwiGluWork().Run(gate, up, count, workers);

        Assert.Equal(expected, gate);
    }
}
