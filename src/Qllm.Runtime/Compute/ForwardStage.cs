namespace Qllm.Runtime.Compute;

/// <summary>The stages <see cref="ForwardProfile"/> times.</summary>
internal enum ForwardStage
{
    /// <summary>Reassembly, per-token activation quantization and layout of linear inputs.</summary>
    PrepareInputs,

    /// <summary>The products of the seven linears of every layer (integer dot products for W4A4).</summary>
    LayerProducts,

    /// <summary>Rotary embedding, state quantization, scores, softmax and the weighted sum.</summary>
    Attention,

    /// <summary>The classifier's product (8-bit embedding rows against the float hidden state).</summary>
    Classifier,
}
