using System.Text.Json.Serialization;

namespace Qllm.Artifacts.Schema;

/// <summary>How rotary position embeddings pair the dimensions of a head.</summary>
/// <remarks>Serialized as the names the <c>config</c> metadata records (<c>ropeLayout</c>).</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<RopeLayout>))]
public enum RopeLayout
{
    /// <summary>Adjacent pairs (0,1), (2,3), ...: llama2.c and Meta's original LLaMA code.</summary>
    [JsonStringEnumMemberName(ArtifactSchema.InterleavedRope)]
    Interleaved,

    /// <summary>Half-split pairs (i, i + headDim/2): Hugging Face LLaMA.</summary>
    [JsonStringEnumMemberName(ArtifactSchema.HalfSplitRope)]
    HalfSplit,
}
