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
    /// quantized copy (counted whole, though a calibrated run parks the float ones between the
    /// calibration samples' embedding and its end: <see cref="ParkedEmbeddings"/>), one block's
    /// linears at a time in float32, one layer's quantized copy and one linear's float64 rotation
    /// products (each freed before the next exists, 12 bytes a weight of a
    /// layer in all), and every finished layer's codes, packed (<see cref="PackedCodes"/>).
    /// Measured against it (docs/benchmarks.md): the W4A4 default's peak was 0.6 of the estimate
    /// on stories15M (128 samples) and 0.65 on a TinyLlama-1.1B-shaped model (4 samples, 1 epoch).
    /// </summary>
    public static long Bytes(LlamaConfig config, QuantizeOptions options, bool streams)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        int blockLayers = Math.Min(options.BlockLayers, config.Layers);
        long total = BaseBytes + (streams
            ? (2 * LoadedBytes(config, streams)) + (4L * blockLayers * LayerValues(config)) + (12L * LayerValues(config)) + (config.Layers * LayerValues(config) * options.Settings.WeightBits / 8)
            : 2 * WeightBytes(config));
        if (!options.Calibrates)
        {
            return total;
        }

        long seqLen = CalibrationSampler.SampleLength(config.SeqLen);

        // The block's inputs and targets in both models, and its outputs: four [samples, seqLen, dim] float tensors.
        long hiddenStates = 4L * options.Samples * seqLen * config.Dim * 4;

        // One chunk of a forward pass through a layer (CalibrationChunk), in float32: the
        // feed-forward's inner activations, six copies, and as much again for the freed blocks the
        // heap keeps between two releases (NativeHeap). Attention adds no [heads, tokens, tokens]
        // scores: libtorch's fused attention never holds them (measured on the CPU: 23 MiB over its
        // inputs at 32 heads of 2048 tokens, 135 MiB with its backward pass).
        long chunk = Math.Min(CalibrationChunk.Samples(seqLen), options.Samples) * seqLen * 4L * config.HiddenDim * 4 * 12;
        // A slice of a training step of the correction keeps what the backward pass reads, for each
        // layer of the block (one, when it goes back layer by layer) and each token of the slice:
        // about 20 values per model dimension and 10 per inner one (fitted to stories15M's peaks
        // with steps of 4 samples at once: 848 MiB at 8 samples, 1016 MiB at 128).
        long sliceTokens = Math.Min(ErrorCorrectionTrainer.SliceSamples(seqLen), Math.Min(options.BatchSize, options.Samples)) * seqLen;
        long training = options.CorrectsErrors
            ? sliceTokens * ((20L * config.Dim) + (10L * config.HiddenDim)) * 4 * (ErrorCorrectionTrainer.TrainsLayerByLayer(blockLayers, sliceTokens, config.Dim) ? 1 : blockLayers)
            : 0;
        return total + hiddenStates + chunk + training;
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
