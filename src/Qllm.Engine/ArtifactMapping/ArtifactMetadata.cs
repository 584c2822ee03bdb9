using System.Text.Json.Nodes;
using Qllm.Artifacts;
using Qllm.Errors;
using Qllm.Engine.Models;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>The metadata objects of an artifact's manifest, written and read in one place.</summary>
internal static class ArtifactMetadata
{
    public static JsonObject Config(LlamaConfig c) => new()
    {
        ["dim"] = c.Dim,
        ["hiddenDim"] = c.HiddenDim,
        ["layers"] = c.Layers,
        ["heads"] = c.Heads,
        ["kvHeads"] = c.KvHeads,
        ["vocabSize"] = c.VocabSize,
        ["seqLen"] = c.SeqLen,
        ["rmsNormEps"] = c.RmsNormEps,
        ["ropeTheta"] = c.RopeTheta,
        ["tiedEmbeddings"] = c.TiedEmbeddings,
        ["ropeLayout"] = c.RopeLayout == RopeLayout.Interleaved ? "interleaved" : "half-split",
    };

    public static JsonObject Settings(QuantizationSettings s, int embeddingBits) => new()
    {
        ["weightBits"] = s.WeightBits,
        ["activationBits"] = s.ActivationBits,
        ["weightGroupSize"] = s.WeightGroupSize,
        ["quantizeAttentionStates"] = s.QuantizeAttentionStates,
        ["embeddingBits"] = embeddingBits,
    };

    public static JsonObject Options(QuantizeOptions o) => new()
    {
        ["preset"] = o.Settings.Name,
        ["method"] = QuantizeOptionsText.Method(o.Method),
        ["rotation"] = "none",
        ["weightRounding"] = "nearest",
        ["samples"] = o.Samples,
        ["epochs"] = o.Epochs,
        ["rank"] = o.Rank,
        ["alpha"] = o.Alpha,
        ["learningRate"] = o.LearningRate,
        ["blockLayers"] = o.BlockLayers,
        ["seed"] = o.Seed,
        ["channelRatio"] = o.ChannelRatio,
        ["mergeScore"] = o.MergeScore == AssemblyScore.MergeError ? "merge-error" : "reference",
    };

    // Wall times stay out: the same inputs, seed and device must give the same bytes.
    public static JsonArray Blocks(IEnumerable<BlockReport> blocks) =>
    [
        .. blocks.Select(b => (JsonNode)new JsonObject
        {
            ["block"] = b.Block,
            ["firstLayer"] = b.FirstLayer,
            ["layers"] = b.Layers,
            ["lossBefore"] = b.LossBefore,
            ["lossAfter"] = b.LossAfter,
            ["points"] = new JsonArray([.. b.Points.Select(p => (JsonNode)new JsonObject
            {
                ["layer"] = p.Layer,
                ["point"] = p.Point,
                ["threshold"] = double.IsInfinity(p.Threshold) ? null : p.Threshold,
                ["extraChannels"] = p.ExtraChannels,
                ["error"] = p.Error,
                ["identityError"] = p.IdentityError,
            })]),
        }),
    ];

    public static LlamaConfig ReadConfig(JsonObject metadata, string source)
    {
        var c = Section(metadata, "config", source);
        return new LlamaConfig(
            Int(c, "dim", source), Int(c, "hiddenDim", source), Int(c, "layers", source), Int(c, "heads", source), Int(c, "kvHeads", source),
            Int(c, "vocabSize", source), Int(c, "seqLen", source), Double(c, "rmsNormEps", source), Double(c, "ropeTheta", source),
            Value<bool>(c, "tiedEmbeddings", source),
            Value<string>(c, "ropeLayout", source) == "interleaved" ? RopeLayout.Interleaved : RopeLayout.HalfSplit);
    }

    public static (QuantizationSettings Settings, int EmbeddingBits) ReadSettings(JsonObject metadata, string source)
    {
        var s = Section(metadata, "quantization", source);
        var settings = new QuantizationSettings(Int(s, "weightBits", source), Int(s, "activationBits", source), s["weightGroupSize"]?.GetValue<int>(), Value<bool>(s, "quantizeAttentionStates", source));
        return (settings, Int(s, "embeddingBits", source));
    }

    private static JsonObject Section(JsonObject metadata, string name, string source) =>
        metadata[name] as JsonObject ?? throw Malformed(source, $"metadata has no '{name}' object");

    private static int Int(JsonObject o, string name, string source) => Value<int>(o, name, source);

    private static double Double(JsonObject o, string name, string source) => Value<double>(o, name, source);

    private static T Value<T>(JsonObject o, string name, string source)
    {
        try
        {
            return o[name] is JsonValue value ? value.GetValue<T>() : throw Malformed(source, $"metadata field '{name}' is missing");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw Malformed(source, $"metadata field '{name}' is not a {typeof(T).Name}");
        }
    }

    private static Errors.QllmException Malformed(string source, string problem) => ArtifactErrors.Bad(source, problem);
}
