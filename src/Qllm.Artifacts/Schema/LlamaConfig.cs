using System.Text.Json.Serialization;

namespace Qllm.Artifacts.Schema;

/// <summary>
/// The shape of a LLaMA-family decoder-only model: what an artifact's <c>config</c> metadata
/// records (<see cref="ArtifactSchema.ToJson(LlamaConfig)"/>, <see cref="ArtifactSchema.ReadConfig"/>),
/// and the one model-shape type of the engine, the runtime and <c>qllm inspect</c>.
/// </summary>
/// <param name="Dim">Hidden size (residual stream width).</param>
/// <param name="HiddenDim">Feed-forward inner size.</param>
/// <param name="Layers">Number of decoder layers.</param>
/// <param name="Heads">Number of query heads.</param>
/// <param name="KvHeads">Number of key/value heads (grouped-query attention when fewer than <paramref name="Heads"/>).</param>
/// <param name="VocabSize">Vocabulary size.</param>
/// <param name="SeqLen">Maximum sequence length (context).</param>
/// <param name="RmsNormEps">RMSNorm epsilon.</param>
/// <param name="RopeTheta">Rotary embedding base.</param>
/// <param name="TiedEmbeddings">Whether the classifier shares the token embedding matrix.</param>
/// <param name="RopeLayout">How rotary embeddings pair dimensions in the stored q/k weights.</param>
public sealed record LlamaConfig(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen,
    double RmsNormEps,
    double RopeTheta,
    bool TiedEmbeddings,
    RopeLayout RopeLayout)
{
    /// <summary>
    /// Llama 3's rescaling of the rotary frequencies, or null for plain RoPE (artifacts written before
    /// it was recorded have none). Omitted from JSON when null, so old models' reports do not change.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>
    /// Whether the q, k and v projections add a bias (Qwen2): W·x + b, the bias kept in float32 beside
    /// the quantized weight. False for LLaMA and Mistral, and for artifacts that do not record it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AttentionBias { get; init; }

    /// <summary>
    /// Mistral's sliding attention window, or null. Every context this engine runs fits in it
    /// (<see cref="SeqLen"/> is capped at it), where sliding-window attention is plain causal attention.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int? SlidingWindow { get; init; }

    /// <summary>Width of one attention head.</summary>
    // Derived, so not part of the shape when it is serialized (`qllm inspect --json` prints the recorded fields only).
    [JsonIgnore]
    public int HeadDim => Dim / Heads;

    /// <summary>Width of the key and value projections.</summary>
    [JsonIgnore]
    public int KvDim => KvHeads * HeadDim;
}
