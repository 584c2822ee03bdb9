namespace Qllm.Runtime.Model;

/// <summary>How an artifact's model is quantized, as its <c>quantization</c> metadata records it.</summary>
internal sealed record QuantizationSpec(int WeightBits, int ActivationBits, int? WeightGroupSize, bool QuantizeAttentionStates, int EmbeddingBits)
{
    /// <summary>Whether activations are quantized at run time (below 16 bits).</summary>
    public bool QuantizesActivations => ActivationBits < 16;

    /// <summary>Whether the q/k/v states are quantized per head and token.</summary>
    public bool QuantizesStates => QuantizeAttentionStates && QuantizesActivations;
}
