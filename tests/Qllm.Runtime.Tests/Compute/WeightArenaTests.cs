using Qllm.Runtime.Compute;

namespace Qllm.Runtime.Tests.Compute;

public sealed class WeightArenaTests
{
    [Fact]
    public void Slices_are_the_sizes_asked_for_do_not_overlap_and_start_on_a_cache_line()
    {
        long[] sizes = [100, 64, 3 << 20, 1, 4096];
        var arena = new WeightArena(WeightArena.Size(sizes));
        var slices = sizes.Select(size => arena.Take((int)size)).ToArray();

        Assert.Equal(sizes, slices.Select(s => (long)s.Count));
        Assert.All(slices, s => Assert.Equal(0, s.Offset % 64));
        var sameArray = slices.Zip(slices.Skip(1)).Where(p => ReferenceEquals(p.First.Array, p.Second.Array));
        Assert.All(sameArray, p => Assert.True(p.First.Offset + p.First.Count <= p.Second.Offset));
    }

    [Fact]
    public void A_slice_past_the_size_given_up_front_gets_memory_of_its_own()
    {
        var arena = new WeightArena(WeightArena.Size([128]));
        var first = arena.Take(128);
        var second = arena.Take(1000);

        Assert.Equal(1000, second.Count);
        Assert.NotSame(first.Array, second.Array);
    }
}
