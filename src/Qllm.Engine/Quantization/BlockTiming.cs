namespace Qllm.Engine.Quantization;

/// <summary>What one block of layers cost: wall time and the process's peak resident memory when it ended.</summary>
/// <param name="FirstLayer">First layer of the block.</param>
/// <param name="Layers">Layers in the block.</param>
/// <param name="Seconds">Wall time from the end of the block before (or the start of the layer pass) to the end of this one.</param>
/// <param name="PeakMemoryBytes">The process's peak resident memory so far.</param>
public sealed record BlockTiming(int FirstLayer, int Layers, double Seconds, long PeakMemoryBytes);
