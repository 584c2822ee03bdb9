using System.Text.Json.Nodes;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.Rotation;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>
/// The engine's one conversion between its own types and the artifact schema
/// (<see cref="ArtifactSchema"/>, which writes and reads every metadata key): the model's shape needs
/// none (<see cref="LlamaConfig"/> is the schema's), the rest is mapped here.
/// </summary>
internal static class ArtifactMetadata
{
    public static QuantizationSpec Spec(QuantizationSettings s, int embeddingBits) =>
        new(s.WeightBits, s.ActivationBits, s.WeightGroupSize, s.QuantizeAttentionStates, embeddingBits);

    public static JsonObject Settings(QuantizationSettings s, int embeddingBits) => ArtifactSchema.ToJson(Spec(s, embeddingBits));

    public static JsonObject Options(QuantizeOptions o) => ArtifactSchema.ToJson(new RunOptions(
        o.Settings.Name,
        QuantizeOptionsText.Method(o.Method),
        QuantizeOptionsText.Rotation(o.Rotation),
        QuantizeOptionsText.WeightRounding(o.WeightRounding),
        o.Samples,
        o.Epochs,
        o.Rank,
        o.Alpha,
        o.LearningRate,
        o.BlockLayers,
        o.Seed,
        o.ChannelRatio,
        QuantizeOptionsText.MergeScore(o.MergeScore)) { BatchSize = o.BatchSize });

    public static JsonObject Inputs(QuantizationInputs inputs) => ArtifactSchema.ToJson(
    [
        KeyValuePair.Create("model", Input(inputs.Model)),
        KeyValuePair.Create("tokenizer", Input(inputs.Tokenizer)),
        KeyValuePair.Create("calibration", Input(inputs.Calibration)),
    ]);

    /// <summary>What a rotated model applies online (docs/artifact-format.md, "Rotation"); the tensors say the same for the runtime.</summary>
    public static JsonObject Rotation(IEnumerable<RotationSite> sites, int seed) => ArtifactSchema.ToJson(new RotationRecord(
        ArtifactSchema.HadamardKind,
        seed,
        [
            .. sites.Select(site => new RotationSiteRecord(
                site.Name,
                site.Transform.Order,
                Kind(site.Transform.Kind),
                site.Transform.Order / site.Transform.PowerOfTwo,
                site.Transform.PowerOfTwo,
                site.Transform.Signs is not null)),
        ]));

    // Wall times stay out: the same inputs, seed and device must give the same bytes.
    public static JsonArray Blocks(IEnumerable<BlockReport> blocks) => ArtifactSchema.ToJson(
    [
        .. blocks.Select(b => new BlockRecord(
            b.Block,
            b.FirstLayer,
            b.Layers,
            b.LossBefore,
            b.LossAfter,
            [.. b.Points.Select(p => new PointRecord(p.Layer, p.Point, double.IsInfinity(p.Threshold) ? null : p.Threshold, p.ExtraChannels, p.Error, p.IdentityError))])),
    ]);

    public static (QuantizationSettings Settings, int EmbeddingBits) ReadSettings(JsonObject metadata, string source)
    {
        var q = ArtifactSchema.ReadQuantization(metadata, source);
        return (new QuantizationSettings(q.WeightBits, q.ActivationBits, q.WeightGroupSize, q.QuantizeAttentionStates), q.EmbeddingBits);
    }

    /// <summary>The recorded kind of a site's transform (for display and warnings only: the tensors decide the transform).</summary>
    public static OnlineTransformKind ReadTransformKind(JsonObject metadata, string site) =>
        ArtifactSchema.ReadRotationKind(metadata, site) == ArtifactSchema.RandomOrthogonalKind ? OnlineTransformKind.RandomOrthogonal : OnlineTransformKind.Hadamard;

    private static string Kind(OnlineTransformKind kind) => kind == OnlineTransformKind.Hadamard ? ArtifactSchema.HadamardKind : ArtifactSchema.RandomOrthogonalKind;

    private static ArtifactInput Input(InputFile file) => new(file.Name, file.Sha256);
}
