using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Loading.HuggingFace;

/// <summary>A tiny random LLaMA with grouped-query attention: dim 16, 2 layers, 4 heads, 2 kv heads, vocab 32.</summary>
internal static class TinyLlama
{
    public static LlamaConfig Config(bool tied) =>
        new(Dim: 16, HiddenDim: 40, Layers: 2, Heads: 4, KvHeads: 2, VocabSize: 32, SeqLen: 64, RmsNormEps: 1e-5, RopeTheta: 10000, TiedEmbeddings: tied, RopeLayout.HalfSplit);

    public static LlamaCheckpoint Create(bool tied = false, int seed = 1)
    {
        var config = Config(tied);
        var generator = new Generator((ulong)seed);
        var tensors = LlamaTensorLayout.Expected(config)
            .ToDictionary(t => t.Name, t => randn(t.Shape, generator: generator));
        return new LlamaCheckpoint(config, tensors, "tiny");
    }
}
