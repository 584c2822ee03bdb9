namespace Qllm.Engine.Quantization;

/// <summary>What a quantization run produced besides the quantized layers themselves.</summary>
/// <param name="Blocks">Per-block reports.</param>
/// <param name="Embedding">The per-row quantized embedding (the classifier too when tied).</param>
/// <param name="Classifier">The quantized classifier of an untied model, else null.</param>
public sealed record QuantizationResult(IReadOnlyList<BlockReport> Blocks, QuantizedTensor Embedding, QuantizedTensor? Classifier) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Embedding.Dispose();
        Classifier?.Dispose();
    }
}
