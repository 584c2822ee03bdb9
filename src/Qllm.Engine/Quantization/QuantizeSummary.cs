namespace Qllm.Engine.Quantization;

/// <summary>What a quantization run wrote and what it cost.</summary>
/// <param name="Output">The artifact's full path.</param>
/// <param name="Bytes">The artifact's size.</param>
/// <param name="Seconds">Wall time of the whole run.</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory.</param>
/// <param name="Blocks">Per-block reports.</param>
public sealed record QuantizeSummary(string Output, long Bytes, double Seconds, long PeakMemoryBytes, IReadOnlyList<BlockReport> Blocks);
