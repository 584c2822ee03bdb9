using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

public sealed class InferenceStateTests
{
    [Fact]
    public void The_cache_grows_with_the_sequence_keeps_what_it_holds_and_stops_at_the_context()
    {
        var state = new InferenceState(layers: 2, seqLen: 1000, kvDim: 4);
        Assert.Equal(0, state.Capacity);

        state.EnsureCapacity(10);
        Assert.Equal(256, state.Capacity);
        state.Keys[1][(9 * 4) + 3] = 7;
        state.Values[0][0] = 5;

        state.EnsureCapacity(257);
        Assert.Equal(512, state.Capacity);
        Assert.Equal(512 * 4, state.Values[1].Length);
        Assert.Equal(7, state.Keys[1][(9 * 4) + 3]);
        Assert.Equal(5, state.Values[0][0]);

        state.EnsureCapacity(513);
        Assert.Equal(1000, state.Capacity); // not 1024: never past the context
        state.EnsureCapacity(20);
        Assert.Equal(1000, state.Capacity);
    }
}
