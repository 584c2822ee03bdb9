using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

public sealed class LongKeyTableTests
{
    [Fact]
    public void It_holds_what_a_dictionary_holds_through_growth_and_replacement()
    {
        var random = new Random(5);
        var table = new LongKeyTable<int>(capacity: 4);
        var expected = new Dictionary<long, int>();
        for (int i = 0; i < 50_000; i++)
        {
            // Pair keys as the tokenizers make them, many sharing their low or high half, some repeated.
            long key = ((long)random.Next(300) << 32) | (uint)random.Next(i % 7 == 0 ? 50 : 40_000);
            table.Set(key, i);
            expected[key] = i;
        }

        Assert.Equal(expected.Count, table.Count);
        foreach (var (key, value) in expected)
        {
            Assert.True(table.TryGetValue(key, out var found));
            Assert.Equal(value, found);
        }

        for (int i = 0; i < 10_000; i++)
        {
            long key = ((long)random.Next(300, 600) << 32) | (uint)random.Next();
            Assert.False(table.TryGetValue(key, out var missing));
            Assert.Equal(0, missing);
        }
    }

    [Fact]
    public void A_negative_key_is_refused()
    {
        var table = new LongKeyTable<int>();
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set(-1, 1));
        Assert.False(table.TryGetValue(-1, out _));
    }
}
