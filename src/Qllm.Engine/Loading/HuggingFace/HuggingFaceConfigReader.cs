using System.Text.Json;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>
/// Reads a Hugging Face <c>config.json</c> of the LLaMA family into a <see cref="LlamaConfig"/>:
/// LlamaForCausalLM (with Llama 3's <c>rope_scaling</c>), Qwen2ForCausalLM (q/k/v biases) and
/// MistralForCausalLM (the LLaMA layer; its context capped at the sliding window). Anything else,
/// or a feature these do not have (Qwen3's q/k norms arrive as another architecture), is refused
/// with QLLM2004 rather than run as something it is not.
/// </summary>
public static class HuggingFaceConfigReader
{
    /// <summary>The LLaMA architecture.</summary>
    public const string Architecture = "LlamaForCausalLM";

    /// <summary>The <c>model_type</c> of <see cref="Architecture"/>.</summary>
    public const string ModelType = "llama";

    /// <summary>Qwen2 (and Qwen2.5): a LLaMA layer whose q/k/v projections have biases.</summary>
    public const string Qwen2Architecture = "Qwen2ForCausalLM";

    /// <summary>Mistral: the LLaMA layer with a sliding attention window.</summary>
    public const string MistralArchitecture = "MistralForCausalLM";

    /// <summary>The architectures this engine runs, by name, with their <c>model_type</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Supported = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Architecture] = ModelType,
        [Qwen2Architecture] = "qwen2",
        [MistralArchitecture] = "mistral",
    };

    private static readonly string SupportedText = string.Join(", ", Supported.Select(pair => $"{pair.Key} (model_type \"{pair.Value}\")"));

    private const string Fix = "point at the config.json of a Hugging Face LLaMA-family model (LlamaForCausalLM, Qwen2ForCausalLM or MistralForCausalLM), as transformers writes it";

    /// <summary>Reads the config.json at <paramref name="path"/>.</summary>
    /// <exception cref="QllmException">The file is missing, malformed, or describes a model this engine cannot run.</exception>
    public static LlamaConfig Read(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, "the model's config.json does not exist", "a Hugging Face model folder must hold config.json beside its weights", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"the model's config.json cannot be read ({e.Message})", "check the file's permissions", e);
        }

        return Parse(json, path);
    }

    /// <summary>Parses config.json text; <paramref name="file"/> names it in errors.</summary>
    internal static LlamaConfig Parse(string json, string file)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Bad(file, $"it is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(file, $"it holds a JSON {root.ValueKind}, not an object");
            }

            var architecture = CheckArchitecture(root, file);
            CheckNoUnsupportedFeatures(root, architecture, file);

            var dim = RequiredPositiveInt(root, "hidden_size", file);
            var hiddenDim = RequiredPositiveInt(root, "intermediate_size", file);
            var layers = RequiredPositiveInt(root, "num_hidden_layers", file);
            var heads = RequiredPositiveInt(root, "num_attention_heads", file);
            var kvHeads = OptionalPositiveInt(root, "num_key_value_heads", file) ?? heads;
            var vocabSize = RequiredPositiveInt(root, "vocab_size", file);
            var seqLen = RequiredPositiveInt(root, "max_position_embeddings", file);
            var rmsNormEps = OptionalPositiveDouble(root, "rms_norm_eps", file)
                ?? throw Bad(file, "it has no \"rms_norm_eps\"");
            var ropeTheta = RopeTheta(root, file);
            var tied = OptionalBool(root, "tie_word_embeddings", file) ?? false;

            if (dim % heads != 0)
            {
                throw Bad(file, $"hidden_size {dim} is not a multiple of num_attention_heads {heads}");
            }

            if (heads % kvHeads != 0)
            {
                throw Bad(file, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
            }

            var headDim = dim / heads;
            if (headDim % 2 != 0)
            {
                throw Bad(file, $"the head size {headDim} is odd, and rotary embeddings need pairs of dimensions");
            }

            if (OptionalPositiveInt(root, "head_dim", file) is { } explicitHeadDim && explicitHeadDim != headDim)
            {
                throw Bad(file, $"head_dim {explicitHeadDim} differs from hidden_size / num_attention_heads = {headDim}, which this engine does not support");
            }

            var window = SlidingWindow(root, architecture, file);
            return new LlamaConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, window is { } w ? Math.Min(seqLen, w) : seqLen, rmsNormEps, ropeTheta, tied, RopeLayout.HalfSplit)
            {
                RopeScaling = RopeScalingOf(root, file),
                // Qwen2's attention always has q/k/v biases (and none on o_proj); its config does not say so.
                AttentionBias = architecture == Qwen2Architecture,
                SlidingWindow = window,
            };
        }
    }

    /// <summary>
    /// The sliding window that applies, or null. Within the window, sliding-window attention is plain
    /// causal attention, so the model runs as LLaMA with its context capped at the window (SeqLen):
    /// a longer context is refused by the runtime and the engine rather than silently attending too far.
    /// Qwen2 applies its window only with <c>use_sliding_window</c>.
    /// </summary>
    private static int? SlidingWindow(JsonElement root, string architecture, string file)
    {
        if (architecture == Qwen2Architecture && OptionalBool(root, "use_sliding_window", file) != true)
        {
            return null;
        }

        return architecture is MistralArchitecture or Qwen2Architecture ? OptionalPositiveInt(root, "sliding_window", file) : null;
    }

    /// <summary>The supported architecture <paramref name="root"/> names (by <c>architectures</c>, else by <c>model_type</c>).</summary>
    private static string CheckArchitecture(JsonElement root, string file)
    {
        var hasArchitectures = root.TryGetProperty("architectures", out var architectures) && architectures.ValueKind != JsonValueKind.Null;
        var hasModelType = root.TryGetProperty("model_type", out var modelType) && modelType.ValueKind != JsonValueKind.Null;
        if (!hasArchitectures && !hasModelType)
        {
            throw Bad(file, $"it names no architecture (neither \"architectures\" nor \"model_type\"); supported are {SupportedText}");
        }

        string? byType = null;
        if (hasModelType)
        {
            byType = modelType.ValueKind == JsonValueKind.String ? Supported.FirstOrDefault(pair => pair.Value == modelType.GetString()).Key : null;
            if (byType is null)
            {
                throw Bad(file, $"its model_type is {modelType.GetRawText()}; supported are {SupportedText}");
            }
        }

        if (!hasArchitectures)
        {
            return byType!;
        }

        if (architectures.ValueKind != JsonValueKind.Array
            || architectures.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
        {
            throw Bad(file, $"its \"architectures\" is {architectures.GetRawText()}, not an array of names");
        }

        var named = architectures.EnumerateArray().Select(a => a.GetString()!).FirstOrDefault(Supported.ContainsKey);
        if (named is null)
        {
            throw Bad(file, $"it names architecture {architectures.GetRawText()}; supported are {SupportedText}");
        }

        if (byType is not null && byType != named)
        {
            throw Bad(file, $"its architecture {named} and its model_type {modelType.GetRawText()} disagree");
        }

        return named;
    }

    private static void CheckNoUnsupportedFeatures(JsonElement root, string architecture, string file)
    {
        if (root.TryGetProperty("hidden_act", out var act) && act.ValueKind != JsonValueKind.Null
            && (act.ValueKind != JsonValueKind.String || act.GetString() != "silu"))
        {
            throw Bad(file, $"its hidden_act is {act.GetRawText()}; LLaMA models here use \"silu\"");
        }

        // LLaMA's attention_bias puts a bias on o_proj too, which the artifact has no place for; Qwen2's
        // q/k/v biases are implied by its architecture instead.
        foreach (var bias in (string[])["attention_bias", "mlp_bias"])
        {
            if (OptionalBool(root, bias, file) == true)
            {
                throw Bad(file, $"it sets {bias}, and this engine runs {architecture} layers without {(bias == "mlp_bias" ? "MLP" : "attention output")} biases");
            }
        }
    }

    /// <summary>
    /// The llama3 rescaling, or null for plain RoPE. Other scalings (linear, dynamic, yarn, longrope)
    /// change every position's angles in ways not implemented here; running them as plain RoPE would
    /// quietly give wrong logits, so they are refused. Newer transformers write <c>rope_parameters</c>.
    /// </summary>
    private static RopeScaling? RopeScalingOf(JsonElement root, string file)
    {
        RopeScaling? found = null;
        foreach (var key in (string[])["rope_scaling", "rope_parameters"])
        {
            if (root.TryGetProperty(key, out var scaling) && scaling.ValueKind != JsonValueKind.Null)
            {
                found ??= ReadScaling(scaling, key, file);
            }
        }

        return found;
    }

    private static RopeScaling? ReadScaling(JsonElement scaling, string key, string file)
    {
        if (scaling.ValueKind != JsonValueKind.Object)
        {
            throw Bad(file, $"its {key} is {scaling.GetRawText()}, not an object");
        }

        var type = scaling.TryGetProperty("rope_type", out var ropeType) ? ropeType
            : scaling.TryGetProperty("type", out var legacyType) ? legacyType
            : default;
        // rope_parameters without a type only carries rope_theta (read elsewhere).
        if (type.ValueKind == JsonValueKind.Undefined && key == "rope_parameters")
        {
            return null;
        }

        if (type.ValueKind == JsonValueKind.String && type.GetString() == "default")
        {
            return null;
        }

        if (type.ValueKind != JsonValueKind.String || type.GetString() != RopeScaling.Llama3Type)
        {
            throw Bad(file, $"its {key} is {scaling.GetRawText()}; only plain rotary embeddings and rope_type \"{RopeScaling.Llama3Type}\" are supported");
        }

        var factor = OptionalPositiveDouble(scaling, "factor", file) ?? throw Bad(file, $"its {key} of type llama3 has no \"factor\"");
        var low = OptionalPositiveDouble(scaling, "low_freq_factor", file) ?? throw Bad(file, $"its {key} of type llama3 has no \"low_freq_factor\"");
        var high = OptionalPositiveDouble(scaling, "high_freq_factor", file) ?? throw Bad(file, $"its {key} of type llama3 has no \"high_freq_factor\"");
        var original = OptionalPositiveInt(scaling, "original_max_position_embeddings", file) ?? throw Bad(file, $"its {key} of type llama3 has no \"original_max_position_embeddings\"");
        if (factor < 1 || high <= low)
        {
            throw Bad(file, $"its {key} {scaling.GetRawText()} needs factor ≥ 1 and high_freq_factor > low_freq_factor");
        }

        return new RopeScaling(factor, low, high, original);
    }

    private static double RopeTheta(JsonElement root, string file)
    {
        if (OptionalPositiveDouble(root, "rope_theta", file) is { } theta)
        {
            return theta;
        }

        // Newer transformers keep the base inside rope_parameters.
        if (root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && OptionalPositiveDouble(parameters, "rope_theta", file) is { } nestedTheta)
        {
            return nestedTheta;
        }

        return 10000.0;
    }

    private static int RequiredPositiveInt(JsonElement root, string name, string file) =>
        OptionalPositiveInt(root, name, file) ?? throw Bad(file, $"it has no \"{name}\"");

    private static int? OptionalPositiveInt(JsonElement root, string name, string file)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number <= 0)
        {
            throw Bad(file, $"its \"{name}\" is {value.GetRawText()}, not a positive integer");
        }

        return number;
    }

    private static double? OptionalPositiveDouble(JsonElement root, string name, string file)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number) || number <= 0)
        {
            throw Bad(file, $"its \"{name}\" is {value.GetRawText()}, not a positive number");
        }

        return number;
    }

    private static bool? OptionalBool(JsonElement root, string name, string file)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(file, $"its \"{name}\" is {value.GetRawText()}, not true or false"),
        };
    }

    private static QllmException Bad(string file, string problem, Exception? inner = null) =>
        new(ErrorCodes.BadModelConfig, file, problem, Fix, inner);
}
