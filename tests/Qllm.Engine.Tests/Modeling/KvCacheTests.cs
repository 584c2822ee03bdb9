using Qllm.Artifacts.Schema;
using Qllm.Engine.Modeling;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Modeling;

public sealed class KvCacheTests
{
    [Fact]
    public void A_long_context_cache_starts_small_and_grows_keeping_what_it_holds()
    {
        // Llama 3.1's declared context: the whole of it up front would be 131072 positions per layer.
        var config = new LlamaConfig(Dim: 8, HiddenDim: 16, Layers: 2, Heads: 2, KvHeads: 2, VocabSize: 10, SeqLen: 131072, RmsNormEps: 1e-5, RopeTheta: 500000, TiedEmbeddings: true, RopeLayout: RopeLayout.HalfSplit);
        using var cache = new KvCache(config, batch: 1, CPU);
        Assert.Equal(256, cache.Capacity);

        var generator = new Generator(5UL);
        var first = randn([1, 2, 200, 4], generator: generator);
        var second = randn([1, 2, 100, 4], generator: generator);
        cache.Append(0, first, -first, start: 0);
        Tensor keys, values;
        using (var scope = NewDisposeScope())
        {
            // Grown inside a step's dispose scope, as generation does: the cache must outlive it.
            (keys, values) = cache.Append(0, second, -second, start: 200);
            keys = keys.clone().MoveToOuterDisposeScope();
            values = values.clone().MoveToOuterDisposeScope();
        }

        Assert.Equal(512, cache.Capacity);
        Assert.True(keys.allclose(cat([first, second], 2), rtol: 0, atol: 0));
        Assert.True(values.allclose(-cat([first, second], 2), rtol: 0, atol: 0));
        var (again, _) = cache.Append(0, second[.., .., ..1], -second[.., .., ..1], start: 300);
        Assert.True(again.narrow(2, 0, 300).allclose(cat([first, second], 2), rtol: 0, atol: 0));
    }

    [Fact]
    public void A_short_context_cache_holds_it_whole()
    {
        var config = new LlamaConfig(Dim: 8, HiddenDim: 16, Layers: 1, Heads: 2, KvHeads: 1, VocabSize: 10, SeqLen: 100, RmsNormEps: 1e-5, RopeTheta: 10000, TiedEmbeddings: true, RopeLayout: RopeLayout.HalfSplit);
        using var cache = new KvCache(config, batch: 1, CPU);
        Assert.Equal(100, cache.Capacity);
        var (keys, _) = cache.Append(0, ones([1, 1, 100, 4]), ones([1, 1, 100, 4]), start: 0);
        Assert.Equal(100, keys.shape[2]);
    }
}
