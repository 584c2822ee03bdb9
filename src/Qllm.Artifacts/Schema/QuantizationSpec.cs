namespace Qllm.Artifacts.Schema;

/// <summary>How an artifact's model is quantized, as its <c>quantization</c> metadata records it.</summary>
/// <param name="WeightBits">Bits per weight code of the decoder layers.</param>
/// <param name="ActivationBits">Bits per activation code; 16 is weight-only (activations stay in float).</param>
/// <param name="WeightGroupSize">Columns per weight group, or null for one scale and zero point per row.</param>
/// <param name="QuantizeAttentionStates">Whether the query, key and value states are quantized per head and token.</param>
/// <param name="EmbeddingBits">Bits per code of the per-row quantized embedding (and untied classifier).</param>
public sealed record QuantizationSpec(int WeightBits, int ActivationBits, int? WeightGroupSize, bool QuantizeAttentionStates, int EmbeddingBits)
{
    /// <summary>Whether activations are quantized at run time (below 16 bits).</summary>
    public bool QuantizesActivations => ActivationBits < 16;

    /// <summary>Whether the q/k/v states are quantized per head and token.</summary>
    public bool QuantizesStates => QuantizeAttentionStates && QuantizesActivations;
}
