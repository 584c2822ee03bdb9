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
        return 4 * ((config.Layers * LayerValues(config)) + OtherValues(config));
    }

    /// <summary>What the loaded model holds before quantization: all its weights, or when it streams, all but the layers' linears.</summary>
    public static long LoadedBytes(LlamaConfig config, bool streams)
    {
        ArgumentNullException.ThrowIfNull(config);
        return streams ? 4 * (OtherValues(config) + (config.Layers * 2L * config.Dim)) : WeightBytes(config);
    }

    /// <summary>The estimated peak of a whole run: the base, the float model and its quantized copy, and what calibration holds.</summary>
    public static long Bytes(LlamaConfig config, QuantizeOptions options) => Bytes(config, options, streams: false);

    /// <summary>
    /// The estimated peak of a whole run. A streamed model holds the embeddings in float32 and their
    /// quantized copy, one block's linears at a time in float32 (read, quantized copy, and the
    /// float64 rotation product), and every finished layer's one-byte codes with their scales.
    /// </summary>
    public static long Bytes(LlamaConfig config, QuantizeOptions options, bool streams)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        long total = BaseBytes + (streams
            ? (2 * LoadedBytes(config, streams)) + (4L * 4 * Math.Min(options.BlockLayers, config.Layers) * LayerValues(config)) + (config.Layers * LayerValues(config))
            : 2 * WeightBytes(config));
        if (!options.Calibrates)
        {
            return total;
        }

        long seqLen = CalibrationSampler.SampleLength(config.SeqLen);

        // The block's inputs and targets in both models, and its outputs: four [samples, seqLen, dim] float tensors.
        long hiddenStates = 4L * options.Samples * seqLen * config.Dim * 4;

        // One chunk through a layer, in double where the exact path runs: the feed-forward's inner
        // activations and the attention scores, with the copies autograd keeps for the backward pass.
        long chunk = Math.Min(ChunkSamples, options.Samples) * seqLen * ((4L * config.HiddenDim) + ((long)config.Heads * seqLen)) * 8 * 4;
        return total + hiddenStates + chunk;
    }

    // The weights of one decoder layer: four attention and three feed-forward linears, two norms.
    private static long LayerValues(LlamaConfig config)
    {
        long dim = config.Dim;
        return (2 * dim * dim) + (2 * dim * config.KvDim) + (3 * dim * config.HiddenDim) + (2 * dim);
    }

    // The embedding, a separate classifier, the final norm.
    private static long OtherValues(LlamaConfig config) => ((long)config.VocabSize * config.Dim * (config.TiedEmbeddings ? 1 : 2)) + config.Dim;
}
