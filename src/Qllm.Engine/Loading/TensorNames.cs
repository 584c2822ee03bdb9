using Qllm.Artifacts.Schema;

namespace Qllm.Engine.Loading;

/// <summary>
/// The canonical tensor names of a LLaMA model: Hugging Face's, whatever the source format, so that
/// loaders, the forward pass and writers agree on one vocabulary. Linear weights are [out, in].
/// </summary>
public static class TensorNames
{
    /// <summary>Token embedding, [vocab, dim].</summary>
    public const string Embedding = "model.embed_tokens.weight";

    /// <summary>Final RMSNorm weight, [dim].</summary>
    public const string FinalNorm = "model.norm.weight";

    /// <summary>Classifier, [vocab, dim]; absent when tied to the embedding.</summary>
    public const string Classifier = "lm_head.weight";

    /// <summary>The seven linear layers of a decoder layer, in the order they run.</summary>
    public static readonly IReadOnlyList<string> LayerLinears = global::Qllm.Artifacts.Schema.ArtifactTensorNames.Linears;

    /// <summary>Prefix of every tensor of layer <paramref name="layer"/>.</summary>
    public static string Layer(int layer) => $"model.layers.{layer}.";

    /// <summary>Weight of one of <see cref="LayerLinears"/> in layer <paramref name="layer"/>.</summary>
    public static string Linear(int layer, string linear) => $"model.layers.{layer}.{linear}.weight";

    /// <summary>Bias of one of <see cref="LayerLinears"/> in layer <paramref name="layer"/> (Qwen2's q/k/v), [out].</summary>
    public static string Bias(int layer, string linear) => $"model.layers.{layer}.{linear}.bias";

    /// <summary>The linears that carry a bias when <see cref="LlamaConfig.AttentionBias"/> is set, in order.</summary>
    public static readonly IReadOnlyList<string> BiasedLinears = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"];

    /// <summary>RMSNorm before attention, [dim].</summary>
    public static string AttentionNorm(int layer) => $"model.layers.{layer}.input_layernorm.weight";

    /// <summary>RMSNorm before the MLP, [dim].</summary>
    public static string FeedForwardNorm(int layer) => $"model.layers.{layer}.post_attention_layernorm.weight";
}
