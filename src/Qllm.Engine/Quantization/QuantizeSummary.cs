namespace Qllm.Engine.Quantization;

/// <summary>What a quantization run wrote and what it cost.</summary>
/// <param name="Output">The artifact's full path, or null when the run stopped after some layers (<see cref="QuantizeRequest.StopAfterLayers"/>) and wrote nothing.</param>
/// <param name="Bytes">The artifact's size (0 when nothing was written).</param>
/// <param name="Seconds">Wall time of the whole run.</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory.</param>
/// <param name="Blocks">Per-block reports.</param>
/// <param name="Layers">Decoder layers quantized.</param>
/// <param name="Timings">Wall time and peak memory of each block of layers, for the weights-only recipes too.</param>
public sealed record QuantizeSummary(string? Output, long Bytes, double Seconds, long PeakMemoryBytes, IReadOnlyList<BlockReport> Blocks, int Layers, IReadOnlyList<BlockTiming> Timings);
