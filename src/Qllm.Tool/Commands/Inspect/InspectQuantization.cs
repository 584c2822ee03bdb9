using System.Text.Json.Nodes;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>
/// How the model was quantized: the <c>quantization</c> metadata, and from the <c>options</c>
/// metadata the preset, method, rotation and rounding; <see cref="Options"/> is every option
/// recorded, as recorded; <see cref="Transforms"/> the online transforms of a rotated model (the
/// <c>rotation</c> metadata), or null.
/// </summary>
internal sealed record InspectQuantization(
    string? Preset,
    int WeightBits,
    int ActivationBits,
    int? WeightGroupSize,
    int EmbeddingBits,
    bool QuantizeAttentionStates,
    string? Method,
    string Rotation,
    string WeightRounding,
    JsonObject Options,
    JsonObject? Transforms);
