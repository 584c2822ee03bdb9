using System.Text.Json.Nodes;
using Qllm.Artifacts.Container;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Schema;

/// <summary>
/// The metadata an engine-written artifact carries (docs/artifact-format.md, "What the QLLM engine
/// stores"): every key, written and read here and nowhere else, so the engine that writes an artifact
/// and the runtime and <c>qllm inspect</c> that read it cannot disagree. What readers depend on
/// (<c>config</c>, <c>quantization</c>, the tokenizer) is read strictly: missing or mistyped, the
/// artifact is malformed (QLLM2011). What only describes the run is read as far as it is there.
/// </summary>
public static class ArtifactSchema
{
    /// <summary>Metadata key of the producer (<c>qllm</c> and its version).</summary>
    public const string ProducerKey = "producer";

    /// <summary>Metadata key of the model's shape (<see cref="LlamaConfig"/>).</summary>
    public const string ConfigKey = "config";

    /// <summary>Metadata key of the quantization (<see cref="QuantizationSpec"/>).</summary>
    public const string QuantizationKey = "quantization";

    /// <summary>Metadata key of the run's options (<see cref="RunOptions"/>).</summary>
    public const string OptionsKey = "options";

    /// <summary>Metadata key of the run's inputs (<see cref="ArtifactInput"/>).</summary>
    public const string InputsKey = "inputs";

    /// <summary>Metadata key of the per-block reports (<see cref="BlockRecord"/>).</summary>
    public const string BlocksKey = "blocks";

    /// <summary>Metadata key of a rotated model's online transforms (<see cref="RotationRecord"/>).</summary>
    public const string RotationKey = "rotation";

    /// <summary>The <c>ropeLayout</c> of <see cref="RopeLayout.Interleaved"/>.</summary>
    public const string InterleavedRope = "interleaved";

    /// <summary>The <c>ropeLayout</c> of <see cref="RopeLayout.HalfSplit"/>.</summary>
    public const string HalfSplitRope = "half-split";

    /// <summary>The kind of a Hadamard rotation or transform.</summary>
    public const string HadamardKind = "hadamard";

    /// <summary>The kind of a transform whose order has no known Hadamard matrix: a seeded random orthogonal factor.</summary>
    public const string RandomOrthogonalKind = "random-orthogonal";

    /// <summary>The tokenizer tensor's attribute naming its file format.</summary>
    public const string TokenizerFormatAttribute = "format";

    /// <summary>The tokenizer format of a llama2.c <c>tokenizer.bin</c> (also assumed when none is recorded).</summary>
    public const string Llama2CTokenizerFormat = "llama2c";

    /// <summary>The tokenizer format of a SentencePiece <c>tokenizer.model</c>.</summary>
    public const string SentencePieceTokenizerFormat = "sentencepiece";

    /// <summary>
    /// The tokenizer format of a Hugging Face <c>tokenizer.json</c>; its <c>tokenizer_config.json</c>
    /// travels beside it as the <see cref="ArtifactTensorNames.TokenizerConfig"/> tensor.
    /// </summary>
    public const string HuggingFaceTokenizerFormat = "huggingface";

    /// <summary>The <c>ropeLayout</c> name of <paramref name="layout"/>.</summary>
    public static string Name(RopeLayout layout) => layout == RopeLayout.Interleaved ? InterleavedRope : HalfSplitRope;

    /// <summary>The <c>config</c> object.</summary>
    public static JsonObject ToJson(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var json = new JsonObject
        {
            ["dim"] = config.Dim,
            ["hiddenDim"] = config.HiddenDim,
            ["layers"] = config.Layers,
            ["heads"] = config.Heads,
            ["kvHeads"] = config.KvHeads,
            ["vocabSize"] = config.VocabSize,
            ["seqLen"] = config.SeqLen,
            ["rmsNormEps"] = config.RmsNormEps,
            ["ropeTheta"] = config.RopeTheta,
            ["tiedEmbeddings"] = config.TiedEmbeddings,
            ["ropeLayout"] = Name(config.RopeLayout),
        };

        // Written only when set, so a plain LLaMA model's metadata is what it always was (and its
        // artifact byte for byte the same); readers take an absent field as the old default.
        if (config.RopeScaling is { } scaling)
        {
            json["ropeScaling"] = new JsonObject
            {
                ["type"] = RopeScaling.Llama3Type,
                ["factor"] = scaling.Factor,
                ["lowFreqFactor"] = scaling.LowFreqFactor,
                ["highFreqFactor"] = scaling.HighFreqFactor,
                ["originalContext"] = scaling.OriginalContext,
            };
        }

        if (config.AttentionBias)
        {
            json["attentionBias"] = true;
        }

        if (config.SlidingWindow is { } window)
        {
            json["slidingWindow"] = window;
        }

        return json;
    }

    /// <summary>The <c>quantization</c> object.</summary>
    public static JsonObject ToJson(QuantizationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new()
        {
            ["weightBits"] = spec.WeightBits,
            ["activationBits"] = spec.ActivationBits,
            ["weightGroupSize"] = spec.WeightGroupSize,
            ["quantizeAttentionStates"] = spec.QuantizeAttentionStates,
            ["embeddingBits"] = spec.EmbeddingBits,
        };
    }

    /// <summary>The <c>options</c> object.</summary>
    public static JsonObject ToJson(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new()
        {
            ["preset"] = options.Preset,
            ["method"] = options.Method,
            ["rotation"] = options.Rotation,
            ["weightRounding"] = options.WeightRounding,
            ["samples"] = options.Samples,
            ["epochs"] = options.Epochs,
            ["rank"] = options.Rank,
            ["alpha"] = options.Alpha,
            ["learningRate"] = options.LearningRate,
            ["batchSize"] = options.BatchSize,
            ["blockLayers"] = options.BlockLayers,
            ["seed"] = options.Seed,
            ["channelRatio"] = options.ChannelRatio,
            ["mergeScore"] = options.MergeScore,
        };
    }

    /// <summary>The <c>inputs</c> object: one <c>{path, sha256}</c> per named input, in the given order.</summary>
    public static JsonObject ToJson(IEnumerable<KeyValuePair<string, ArtifactInput>> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return new(inputs.Select(input => KeyValuePair.Create(input.Key, (JsonNode?)new JsonObject { ["path"] = input.Value.Path, ["sha256"] = input.Value.Sha256 })));
    }

    /// <summary>The <c>blocks</c> array.</summary>
    public static JsonArray ToJson(IEnumerable<BlockRecord> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        return
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
                    ["threshold"] = p.Threshold,
                    ["extraChannels"] = p.ExtraChannels,
                    ["error"] = p.Error,
                    ["identityError"] = p.IdentityError,
                })]),
            }),
        ];
    }

    /// <summary>The <c>rotation</c> object.</summary>
    public static JsonObject ToJson(RotationRecord rotation)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        return new()
        {
            ["kind"] = rotation.Kind,
            ["seed"] = rotation.Seed,
            ["transforms"] = new JsonObject([.. rotation.Transforms.Select(site => KeyValuePair.Create(site.Site, (JsonNode?)new JsonObject
            {
                ["order"] = site.Order,
                ["kind"] = site.Kind,
                ["factor"] = site.Factor,
                ["powerOfTwo"] = site.PowerOfTwo,
                ["signs"] = site.Signs,
            }))]),
        };
    }

    /// <summary>Adds the tokenizer file, byte for byte, as the <see cref="ArtifactTensorNames.Tokenizer"/> tensor with its format.</summary>
    public static void WriteTokenizer(ArtifactWriter writer, byte[] bytes, bool sentencePiece) =>
        WriteTokenizer(writer, bytes, sentencePiece, configJson: null);

    /// <summary>
    /// Adds the tokenizer file, byte for byte, as the <see cref="ArtifactTensorNames.Tokenizer"/>
    /// tensor with its format and, when there is one, the <c>tokenizer_config.json</c> beside it as
    /// <see cref="ArtifactTensorNames.TokenizerConfig"/> (TinyLlama's chat template and special tokens
    /// live there, beside a <c>tokenizer.model</c>).
    /// </summary>
    public static void WriteTokenizer(ArtifactWriter writer, byte[] bytes, bool sentencePiece, byte[]? configJson)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(bytes);
        writer.AddUInt8(ArtifactTensorNames.Tokenizer, [bytes.LongLength], bytes, new Dictionary<string, ArtifactAttributeValue> { [TokenizerFormatAttribute] = sentencePiece ? SentencePieceTokenizerFormat : Llama2CTokenizerFormat });
        if (configJson is not null)
        {
            writer.AddUInt8(ArtifactTensorNames.TokenizerConfig, [configJson.LongLength], configJson);
        }
    }

    /// <summary>
    /// Adds a Hugging Face tokenizer, byte for byte: <c>tokenizer.json</c> as the
    /// <see cref="ArtifactTensorNames.Tokenizer"/> tensor (format <see cref="HuggingFaceTokenizerFormat"/>)
    /// and, when there is one, <c>tokenizer_config.json</c> as <see cref="ArtifactTensorNames.TokenizerConfig"/>.
    /// </summary>
    public static void WriteHuggingFaceTokenizer(ArtifactWriter writer, byte[] tokenizerJson, byte[]? configJson)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        writer.AddUInt8(ArtifactTensorNames.Tokenizer, [tokenizerJson.LongLength], tokenizerJson, new Dictionary<string, ArtifactAttributeValue> { [TokenizerFormatAttribute] = HuggingFaceTokenizerFormat });
        if (configJson is not null)
        {
            writer.AddUInt8(ArtifactTensorNames.TokenizerConfig, [configJson.LongLength], configJson);
        }
    }

    /// <summary>The producer, as recorded (a non-string value as its JSON text), or null.</summary>
    public static string? ReadProducer(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Text(metadata[ProducerKey]);
    }

    /// <summary>The model's shape.</summary>
    /// <exception cref="QllmException">It is missing, mistyped or describes no LLaMA model (QLLM2011).</exception>
    public static LlamaConfig ReadConfig(JsonObject metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(source);
        var c = Section(metadata, ConfigKey, source);
        var layout = Value<string>(c, "ropeLayout", source);
        if (layout is not (InterleavedRope or HalfSplitRope))
        {
            throw ArtifactErrors.Bad(source, $"metadata field 'ropeLayout' is '{layout}', neither '{InterleavedRope}' nor '{HalfSplitRope}'");
        }

        var config = new LlamaConfig(
            Int(c, "dim", source), Int(c, "hiddenDim", source), Int(c, "layers", source), Int(c, "heads", source), Int(c, "kvHeads", source),
            Int(c, "vocabSize", source), Int(c, "seqLen", source), Value<double>(c, "rmsNormEps", source), Value<double>(c, "ropeTheta", source),
            Value<bool>(c, "tiedEmbeddings", source), layout == InterleavedRope ? RopeLayout.Interleaved : RopeLayout.HalfSplit)
        {
            RopeScaling = ReadRopeScaling(c, source),
            AttentionBias = c["attentionBias"] is not null && Value<bool>(c, "attentionBias", source),
            SlidingWindow = c["slidingWindow"] is null ? null : Int(c, "slidingWindow", source),
        };
        if (config.Dim <= 0 || config.HiddenDim <= 0 || config.Layers <= 0 || config.Heads <= 0 || config.KvHeads <= 0 || config.VocabSize <= 0 || config.SeqLen <= 0
            || config.Dim % config.Heads != 0 || config.Heads % config.KvHeads != 0 || config.HeadDim % 2 != 0)
        {
            throw ArtifactErrors.Bad(source, $"its config describes no LLaMA model (dim {config.Dim}, hidden {config.HiddenDim}, layers {config.Layers}, heads {config.Heads}/{config.KvHeads}, vocabulary {config.VocabSize}, context {config.SeqLen})");
        }

        if (config.SlidingWindow is { } window && (window <= 0 || config.SeqLen > window))
        {
            throw ArtifactErrors.Bad(source, $"its context {config.SeqLen} is longer than its sliding window {window}, which this runtime does not run");
        }

        return config;
    }

    /// <summary>How the model is quantized.</summary>
    /// <exception cref="QllmException">It is missing or mistyped (QLLM2011).</exception>
    public static QuantizationSpec ReadQuantization(JsonObject metadata, string source)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(source);
        var s = Section(metadata, QuantizationKey, source);
        int? groupSize = s["weightGroupSize"] is null ? null : Int(s, "weightGroupSize", source);
        return new QuantizationSpec(Int(s, "weightBits", source), Int(s, "activationBits", source), groupSize, Value<bool>(s, "quantizeAttentionStates", source), Int(s, "embeddingBits", source));
    }

    /// <summary>The run's options as recorded.</summary>
    public static RecordedOptions ReadOptions(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var options = metadata[OptionsKey] is JsonObject recorded ? recorded.DeepClone().AsObject() : [];

        // Artifacts written before rotation and weight rounding were options predate these two
        // fields; they were quantized without rotation and with round-to-nearest, the only choices then.
        return new RecordedOptions(Text(options["preset"]), Text(options["method"]), Text(options["rotation"]) ?? "none", Text(options["weightRounding"]) ?? "nearest", options);
    }

    /// <summary>The run's inputs by name, as far as they are recorded (entries that are not objects are skipped).</summary>
    public static IReadOnlyDictionary<string, ArtifactInput> ReadInputs(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata[InputsKey] is not JsonObject inputs
            ? new Dictionary<string, ArtifactInput>(StringComparer.Ordinal)
            : inputs.Where(input => input.Value is JsonObject)
                .ToDictionary(input => input.Key, input => new ArtifactInput(Text(input.Value!["path"]), Text(input.Value!["sha256"])), StringComparer.Ordinal);
    }

    /// <summary>
    /// The per-block reports, as far as they are recorded: a block without its indices and losses
    /// is skipped; a point's missing numbers read as 0, and its threshold as null only when it is
    /// null or missing (anything else recorded there counts as reassembled, NaN when not a number).
    /// </summary>
    public static IReadOnlyList<BlockRecord> ReadBlocks(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var read = new List<BlockRecord>();
        foreach (var block in (metadata[BlocksKey] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Number<int>(block["block"]) is { } index && Number<int>(block["firstLayer"]) is { } first && Number<int>(block["layers"]) is { } layers
                && Number<double>(block["lossBefore"]) is { } before && Number<double>(block["lossAfter"]) is { } after)
            {
                var points = (block["points"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(p => new PointRecord(
                        Number<int>(p["layer"]) ?? 0,
                        Text(p["point"]) ?? string.Empty,
                        p["threshold"] is null ? null : Number<double>(p["threshold"]) ?? double.NaN,
                        Number<int>(p["extraChannels"]) ?? 0,
                        Number<double>(p["error"]) ?? 0,
                        Number<double>(p["identityError"]) ?? 0))
                    .ToList();
                read.Add(new BlockRecord(index, first, layers, before, after, points));
            }
        }

        return read;
    }

    /// <summary>The <c>rotation</c> object as recorded (a copy), or null when there is none: for display.</summary>
    public static JsonObject? ReadRotation(JsonObject metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata[RotationKey]?.DeepClone() as JsonObject;
    }

    /// <summary>The recorded kind of the online transform at <paramref name="site"/>, or null when none is recorded.</summary>
    /// <exception cref="InvalidOperationException">The recorded kind is not a string.</exception>
    public static string? ReadRotationKind(JsonObject metadata, string site)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata[RotationKey]?["transforms"]?[site]?["kind"]?.GetValue<string>();
    }

    /// <summary>The tokenizer's recorded file format (<see cref="Llama2CTokenizerFormat"/> when none is recorded).</summary>
    /// <exception cref="QllmException">The artifact has no tokenizer tensor (QLLM2011).</exception>
    public static string ReadTokenizerFormat(ArtifactReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetTensor(ArtifactTensorNames.Tokenizer).Attributes.TryGetValue(TokenizerFormatAttribute, out var format) ? format.ToString() : Llama2CTokenizerFormat;
    }

    /// <summary>The tokenizer the artifact carries (tensor <c>tokenizer</c>, attribute <c>format</c>).</summary>
    /// <exception cref="QllmException">There is none, or it is malformed or does not fit <paramref name="vocabSize"/>.</exception>
    public static ITextTokenizer ReadTokenizer(ArtifactReader reader, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var info = reader.GetTensor(ArtifactTensorNames.Tokenizer);
        if (info.Attributes.TryGetValue(TokenizerFormatAttribute, out var kind) && kind.IsString && kind.AsString() == HuggingFaceTokenizerFormat)
        {
            var config = reader.Tensors.TryGetValue(ArtifactTensorNames.TokenizerConfig, out var configInfo) ? reader.GetBytes(configInfo).ToArray() : null;
            return TokenizerFiles.LoadHuggingFace(reader.GetBytes(info).ToArray(), config, reader.Source, vocabSize);
        }

        bool sentencePiece = info.Attributes.TryGetValue(TokenizerFormatAttribute, out var format) && format.IsString && format.AsString() == SentencePieceTokenizerFormat;
        var tokenizer = TokenizerFiles.Load(reader.GetBytes(info).ToArray(), sentencePiece, reader.Source, vocabSize);
        var tokenizerConfig = reader.Tensors.TryGetValue(ArtifactTensorNames.TokenizerConfig, out var tokenizerConfigInfo) ? reader.GetBytes(tokenizerConfigInfo).ToArray() : null;
        return TokenizerFiles.WithConfig(tokenizer, tokenizerConfig, reader.Source);
    }

    /// <summary>The <c>ropeScaling</c> object, or null when absent (artifacts written before it existed: plain RoPE).</summary>
    private static RopeScaling? ReadRopeScaling(JsonObject config, string source)
    {
        if (config["ropeScaling"] is null)
        {
            return null;
        }

        if (config["ropeScaling"] is not JsonObject s)
        {
            throw ArtifactErrors.Bad(source, "metadata field 'ropeScaling' is not an object");
        }

        var type = Value<string>(s, "type", source);
        if (type != RopeScaling.Llama3Type)
        {
            throw ArtifactErrors.Bad(source, $"metadata field 'ropeScaling.type' is '{type}'; this runtime knows only '{RopeScaling.Llama3Type}'");
        }

        var scaling = new RopeScaling(Value<double>(s, "factor", source), Value<double>(s, "lowFreqFactor", source), Value<double>(s, "highFreqFactor", source), Int(s, "originalContext", source));
        if (!(scaling.Factor >= 1 && scaling.LowFreqFactor > 0 && scaling.HighFreqFactor > scaling.LowFreqFactor && scaling.OriginalContext > 0))
        {
            throw ArtifactErrors.Bad(source, $"its rope scaling {scaling} is not a valid llama3 scaling (factor ≥ 1, 0 < low < high, original context > 0)");
        }

        return scaling;
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

    /// <summary>A string value as recorded, any other value as its JSON text, null when absent.</summary>
    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => node.ToJsonString(),
    };

    private static T? Number<T>(JsonNode? node)
        where T : struct =>
        node is JsonValue value && value.TryGetValue<T>(out var number) ? number : null;
}
