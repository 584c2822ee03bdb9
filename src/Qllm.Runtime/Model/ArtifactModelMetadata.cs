using System.Text.Json.Nodes;
using Qllm.Artifacts;
using Qllm.Tokenization;

namespace Qllm.Runtime.Model;

/// <summary>
/// Reads the model description an engine-written artifact carries in its metadata (the
/// <c>config</c> and <c>quantization</c> sections of docs/artifact-format.md). A missing or
/// mistyped field is a malformed artifact.
/// </summary>
internal static class ArtifactModelMetadata
{
    public static ModelConfig ReadConfig(JsonObject metadata, string source)
    {
        var c = Section(metadata, "config", source);
        var layout = Value<string>(c, "ropeLayout", source);
        if (layout is not ("interleaved" or "half-split"))
        {
            throw ArtifactErrors.Bad(source, $"metadata field 'ropeLayout' is '{layout}', neither 'interleaved' nor 'half-split'");
        }

        var config = new ModelConfig(
            Int(c, "dim", source), Int(c, "hiddenDim", source), Int(c, "layers", source), Int(c, "heads", source), Int(c, "kvHeads", source),
            Int(c, "vocabSize", source), Int(c, "seqLen", source), Value<double>(c, "rmsNormEps", source), Value<double>(c, "ropeTheta", source),
            Value<bool>(c, "tiedEmbeddings", source), layout == "interleaved");
        if (config.Dim <= 0 || config.HiddenDim <= 0 || config.Layers <= 0 || config.Heads <= 0 || config.KvHeads <= 0 || config.VocabSize <= 0 || config.SeqLen <= 0
            || config.Dim % config.Heads != 0 || config.Heads % config.KvHeads != 0 || config.HeadDim % 2 != 0)
        {
            throw ArtifactErrors.Bad(source, $"its config describes no LLaMA model (dim {config.Dim}, hidden {config.HiddenDim}, layers {config.Layers}, heads {config.Heads}/{config.KvHeads}, vocabulary {config.VocabSize}, context {config.SeqLen})");
        }

        return config;
    }

    /// <summary>The tokenizer the artifact carries (tensor <c>tokenizer</c>, attribute <c>format</c>).</summary>
    public static ITextTokenizer ReadTokenizer(ArtifactReader reader, int vocabSize)
    {
        var info = reader.GetTensor(ArtifactTensorNames.Tokenizer);
        bool sentencePiece = info.Attributes.TryGetValue("format", out var format) && format.IsString && format.AsString() == "sentencepiece";
        return TokenizerFiles.Load(reader.GetBytes(info).ToArray(), sentencePiece, reader.Source, vocabSize);
    }

    public static QuantizationSpec ReadQuantization(JsonObject metadata, string source)
    {
        var s = Section(metadata, "quantization", source);
        int? groupSize = s["weightGroupSize"] is null ? null : Int(s, "weightGroupSize", source);
        return new QuantizationSpec(Int(s, "weightBits", source), Int(s, "activationBits", source), groupSize, Value<bool>(s, "quantizeAttentionStates", source), Int(s, "embeddingBits", source));
    }

    private static JsonObject Section(JsonObject metadata, string name, string source) =>
        metadata[name] as JsonObject ?? throw ArtifactErrors.Bad(source, $"metadata has no '{name}' object");

    private static int Int(JsonObject o, string name, string source) => Value<int>(o, name, source);

    private static T Value<T>(JsonObject o, string name, string source)
    {
        try
        {
            return o[name] is JsonValue value ? value.GetValue<T>() : throw ArtifactErrors.Bad(source, $"metadata field '{name}' is missing");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw ArtifactErrors.Bad(source, $"metadata field '{name}' is not a {typeof(T).Name}");
        }
    }
}
