using Qllm.Engine.Quantization;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>
/// How the engine names what it stores in an artifact (docs/artifact-format.md, "What the QLLM
/// engine stores"). One place, used by the writer and the loader alike.
/// </summary>
internal static class ArtifactTensorNames
{
    public const string Tokenizer = "tokenizer";
    public const string Embedding = "embedding";
    public const string Classifier = "classifier";
    public const string FinalNorm = "norm.weight";

    public static string AttentionNorm(int layer) => $"layers.{layer}.input_layernorm.weight";

    public static string FeedForwardNorm(int layer) => $"layers.{layer}.post_attention_layernorm.weight";

    /// <summary>Prefix of a quantized matrix: .codes, .scales, .zeros follow.</summary>
    public static string Linear(int layer, string linear) => $"layers.{layer}.{linear}";

    /// <summary>Prefix of a reassembly map: .offsets, .sources, .coefficients follow.</summary>
    public static string Reassembly(int layer, ReassemblyPoint point) => $"layers.{layer}.reassembly.{PointName(point)}";

    public static string PointName(ReassemblyPoint point) => point switch
    {
        ReassemblyPoint.Qkv => "qkv",
        ReassemblyPoint.GateUp => "gate_up",
        _ => "down",
    };
}
