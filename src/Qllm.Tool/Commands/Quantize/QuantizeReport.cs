using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;

namespace Qllm.Tool.Commands.Quantize;

/// <summary>
/// `quantize --json`'s object: output (null when --layers stopped the run early), bytes, seconds,
/// peakMemoryBytes, the options used, then the layers quantized and each block's time and peak memory.
/// </summary>
internal sealed record QuantizeReport(
    string? Output,
    long Bytes,
    double Seconds,
    long PeakMemoryBytes,
    string Device,
    string Preset,
    int Bits,
    int ActivationBits,
    int? GroupSize,
    string Method,
    string Rotation,
    string WeightRounding,
    int Samples,
    int Epochs,
    int Rank,
    double LearningRate,
    int BatchSize,
    int BlockLayers,
    double ChannelRatio,
    string MergeScore,
    int Seed,
    int Layers,
    IReadOnlyList<BlockTiming> Blocks)
{
    public static QuantizeReport From(QuantizeSummary summary, QuantizeOptions options, string device) => new(
        summary.Output,
        summary.Bytes,
        summary.Seconds,
        summary.PeakMemoryBytes,
        device,
        options.Settings.Name,
        options.Settings.WeightBits,
        options.Settings.ActivationBits,
        options.Settings.WeightGroupSize,
        QuantizeOptionsText.Method(options.Method),
        QuantizeOptionsText.Rotation(options.Rotation),
        QuantizeOptionsText.WeightRounding(options.WeightRounding),
        options.Samples,
        options.Epochs,
        options.Rank,
        options.LearningRate,
        options.BatchSize,
        options.BlockLayers,
        options.ChannelRatio,
        QuantizeOptionsText.MergeScore(options.MergeScore),
        options.Seed,
        summary.Layers,
        summary.Timings);
}
