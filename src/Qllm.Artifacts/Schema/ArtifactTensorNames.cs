namespace Qllm.Artifacts.Schema;

/// <summary>
/// How the engine names what it stores in an artifact (docs/artifact-format.md, "What the QLLM
/// engine stores"). One place, used by the engine's writer and loader and by the runtime.
/// </summary>
public static class ArtifactTensorNames
{
    /// <summary>The tokenizer file, byte for byte (U8).</summary>
    public const string Tokenizer = "tokenizer";
    /// <summary>A Hugging Face tokenizer's <c>tokenizer_config.json</c>, byte for byte (U8); beside any tokenizer whose folder has one (a <c>tokenizer.model</c>'s too).</summary>
    public const string TokenizerConfig = "tokenizer_config";
    /// <summary>Prefix of the per-row quantized token embedding (also the classifier when tied).</summary>
    public const string Embedding = "embedding";
    /// <summary>Prefix of an untied classifier.</summary>
    public const string Classifier = "classifier";
    /// <summary>The final RMSNorm weight.</summary>
    public const string FinalNorm = "norm.weight";

    /// <summary>Online transform of the residual stream (order dim): on the embedding rows, and transposed before the final norm.</summary>
    public const string ResidualRotation = "residual";

    /// <summary>Online transform of every query and key head (order headDim), after the rotary embedding.</summary>
    public const string HeadRotation = "heads";

    /// <summary>Online transform of the down_proj input (order hiddenDim).</summary>
    public const string DownRotation = "down";

    /// <summary>The online transform sites, in the order a token meets them.</summary>
    public static readonly IReadOnlyList<string> RotationSites = [ResidualRotation, HeadRotation, DownRotation];

    /// <summary>The reassembly points, in the order a layer meets them.</summary>
    public static readonly IReadOnlyList<string> Points = ["qkv", "gate_up", "down"];

    /// <summary>The seven linears of a layer, in execution order.</summary>
    public static readonly IReadOnlyList<string> Linears =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

    /// <summary>The RMSNorm weight before attention of <paramref name="layer"/>.</summary>
    public static string AttentionNorm(int layer) => $"layers.{layer}.input_layernorm.weight";

    /// <summary>The RMSNorm weight before the MLP of <paramref name="layer"/>.</summary>
    public static string FeedForwardNorm(int layer) => $"layers.{layer}.post_attention_layernorm.weight";

    /// <summary>Prefix of a quantized matrix: .codes, .scales, .zeros follow.</summary>
    public static string Linear(int layer, string linear) => $"layers.{layer}.{linear}";

    /// <summary>The float32 bias of a linear (q/k/v of a model with <see cref="LlamaConfig.AttentionBias"/>), added after the integer product.</summary>
    public static string Bias(int layer, string linear) => $"layers.{layer}.{linear}.bias";

    /// <summary>Prefix of a reassembly map (<paramref name="point"/> is one of <see cref="Points"/>): .offsets, .sources, .coefficients follow.</summary>
    public static string Reassembly(int layer, string point) => $"layers.{layer}.reassembly.{point}";

    /// <summary>Prefix of an online transform (<paramref name="site"/> is one of <see cref="RotationSites"/>): .factor and the optional .signs follow.</summary>
    public static string Rotation(string site) => $"rotation.{site}";
}
