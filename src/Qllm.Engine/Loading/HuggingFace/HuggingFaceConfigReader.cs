using System.Text.Json;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>Reads a Hugging Face LLaMA <c>config.json</c> into a <see cref="LlamaConfig"/>.</summary>
public static class HuggingFaceConfigReader
{
    /// <summary>The architecture this engine runs.</summary>
    public const string Architecture = "LlamaForCausalLM";

    /// <summary>The <c>model_type</c> of <see cref="Architecture"/>.</summary>
    public const string ModelType = "llama";

    private const string Fix = "point at the config.json of a Hugging Face LLaMA model (LlamaForCausalLM), as transformers writes it";

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

            CheckArchitecture(root, file);
            CheckNoUnsupportedFeatures(root, file);

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

            return new LlamaConfig(dim, hiddenDim, layers, heads, kvHeads, vocabSize, seqLen, rmsNormEps, ropeTheta, tied, RopeLayout.HalfSplit);
        }
    }

    private static void CheckArchitecture(JsonElement root, string file)
    {
        var hasArchitectures = root.TryGetProperty("architectures", out var architectures) && architectures.ValueKind != JsonValueKind.Null;
        var hasModelType = root.TryGetProperty("model_type", out var modelType) && modelType.ValueKind != JsonValueKind.Null;
        if (!hasArchitectures && !hasModelType)
        {
            throw Bad(file, $"it names no architecture (neither \"architectures\" nor \"model_type\"); only {Architecture} (model_type \"{ModelType}\") is supported");
        }

        if (hasModelType && (modelType.ValueKind != JsonValueKind.String || modelType.GetString() != ModelType))
        {
            throw Bad(file, $"its model_type is {modelType.GetRawText()}; only {Architecture} (model_type \"{ModelType}\") is supported");
        }

        if (hasArchitectures)
        {
            if (architectures.ValueKind != JsonValueKind.Array
                || architectures.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
            {
                throw Bad(file, $"its \"architectures\" is {architectures.GetRawText()}, not an array of names");
            }

            if (!architectures.EnumerateArray().Any(a => a.GetString() == Architecture))
            {
                throw Bad(file, $"it names architecture {architectures.GetRawText()}; only {Architecture} (model_type \"{ModelType}\") is supported");
            }
        }
    }

    private static void CheckNoUnsupportedFeatures(JsonElement root, string file)
    {
        if (root.TryGetProperty("hidden_act", out var act) && act.ValueKind != JsonValueKind.Null
            && (act.ValueKind != JsonValueKind.String || act.GetString() != "silu"))
        {
            throw Bad(file, $"its hidden_act is {act.GetRawText()}; LLaMA models here use \"silu\"");
        }

        foreach (var bias in (string[])["attention_bias", "mlp_bias"])
        {
            if (OptionalBool(root, bias, file) == true)
            {
                throw Bad(file, $"it sets {bias}, and this engine runs LLaMA layers without biases");
            }
        }

        // Scaled RoPE (linear, dynamic, llama3, yarn, ...) changes every position's angles; running such a
        // model with plain RoPE would quietly give wrong logits, so refuse it.
        if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
        {
            CheckPlainRope(scaling, "rope_scaling", file);
        }

        if (root.TryGetProperty("rope_parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            CheckPlainRope(parameters, "rope_parameters", file);
        }
    }

    private static void CheckPlainRope(JsonElement scaling, string key, string file)
    {
        if (scaling.ValueKind != JsonValueKind.Object)
        {
            throw Bad(file, $"its {key} is {scaling.GetRawText()}, not an object");
        }

        var type = scaling.TryGetProperty("rope_type", out var ropeType) ? ropeType
            : scaling.TryGetProperty("type", out var legacyType) ? legacyType
            : default;
        if (type.ValueKind != JsonValueKind.String || type.GetString() != "default")
        {
            throw Bad(file, $"its {key} is {scaling.GetRawText()}; only plain rotary embeddings (no rope scaling) are supported");
        }
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
