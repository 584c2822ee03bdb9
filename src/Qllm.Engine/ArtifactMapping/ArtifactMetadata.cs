using System.Text.Json.Nodes;
using Qllm.Artifacts;
using Qllm.Errors;
using Qllm.Engine.Models;
using Qllm.Engine.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Runtime.Model;
using Qllm.Engine.Rotation;

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
        ["rotation"] = QuantizeOptionsText.Rotation(o.Rotation),
        ["weightRounding"] = QuantizeOptionsText.WeightRounding(o.WeightRounding),
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

    /// <summary>What a rotated model applies online (docs/artifact-format.md, "Rotation"); the tensors say the same for the runtime.</summary>
    public static JsonObject Rotation(IEnumerable<RotationSite> sites, int seed) => new()
    {
        ["kind"] = "hadamard",
        ["seed"] = seed,
        ["transforms"] = new JsonObject([.. sites.Select(site => KeyValuePair.Create(site.Name, (JsonNode?)new JsonObject
        {
            ["order"] = site.Transform.Order,
            ["kind"] = site.Transform.Kind == OnlineTransformKind.Hadamard ? "hadamard" : "random-orthogonal",
            ["factor"] = site.Transform.Order / site.Transform.PowerOfTwo,
            ["powerOfTwo"] = site.Transform.PowerOfTwo,
            ["signs"] = site.Transform.Signs is not null,
        }))]),
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
        var c = ArtifactModelMetadata.ReadConfig(metadata, source);
        return new LlamaConfig(
            c.Dim, c.HiddenDim, c.Layers, c.Heads, c.KvHeads, c.VocabSize, c.SeqLen, c.RmsNormEps, c.RopeTheta, c.TiedEmbeddings,
            c.InterleavedRope ? RopeLayout.Interleaved : RopeLayout.HalfSplit);
    }

    public static (QuantizationSettings Settings, int EmbeddingBits) ReadSettings(JsonObject metadata, string source)
    {
        var q = ArtifactModelMetadata.ReadQuantization(metadata, source);
        return (new QuantizationSettings(q.WeightBits, q.ActivationBits, q.WeightGroupSize, q.QuantizeAttentionStates), q.EmbeddingBits);
    }
}
