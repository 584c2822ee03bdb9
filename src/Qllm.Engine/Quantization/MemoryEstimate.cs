using Qllm.Artifacts.Schema;

namespace Qllm.Engine.Quantization;

/// <summary>
/// How much memory a quantization run needs, estimated from the model's shape and the recipe, so
/// that a run that cannot fit fails at once with the figure instead of being killed hours later.
/// The terms follow what the pipeline holds at its peak; the constants were fitted to measured peaks
/// on stories15M (docs/benchmarks.md) and err on the high side.
/// </summary>
internal static class MemoryEstimate
{
    /// <summary>The .NET runtime, libtorch and TorchSharp before any tensor: about 320 MiB measured, rounded up.</summary>
    public const long BaseBytes = 512L << 20;

    // GPTQ, the correction and the chunked forward passes run 16 samples at a time.
    private const long ChunkSamples = 16;

    /// <summary>Bytes of the model's weights in float32.</summary>
    public static long WeightBytes(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long dim = config.Dim;
        long perLayer = (2 * dim * dim) + (2 * dim * config.KvDim) + (3 * dim * config.HiddenDim) + (2 * dim);
        long embeddings = (long)config.VocabSize * dim * (config.TiedEmbeddings ? 1 : 2);
        return 4 * ((config.Layers * perLayer) + embeddings + dim);
    }

    /// <summary>The estimated peak of a whole run: the base, the float model and its quantized copy, and what calibration holds.</summary>
    public static long Bytes(LlamaConfig config, QuantizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        long total = BaseBytes + (2 * WeightBytes(config));
        if (!options.Calibrates)
        {
            return total;
        }

        long seqLen = config.SeqLen;

        // The block's inputs and targets in both models, and its outputs: four [samples, seqLen, dim] float tensors.
        long hiddenStates = 4L * options.Samples * seqLen * config.Dim * 4;

        // One chunk through a layer, in double where the exact path runs: the feed-forward's inner
        // activations and the attention scores, with the copies autograd keeps for the backward pass.
        long chunk = ChunkSamples * seqLen * ((4L * config.HiddenDim) + ((long)config.Heads * seqLen)) * 8 * 4;
        return total + hiddenStates + chunk;
    }
}
