namespace Qllm.Engine.Quantization;

/// <summary>
/// How far a quantization run is, in blocks: structured, so that a progress display need not
/// parse the human-readable progress lines.
/// </summary>
/// <param name="BlocksDone">Blocks finished so far (resumed ones included); 0 before the first.</param>
/// <param name="BlockCount">Blocks in the whole run (the last may have fewer layers).</param>
public readonly record struct QuantizationProgress(int BlocksDone, int BlockCount);
