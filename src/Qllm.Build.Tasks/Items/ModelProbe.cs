using System.Buffers.Binary;
using System.Text.Json;

namespace Qllm.Build.Tasks.Items;

/// <summary>
/// A quick look at a model before any quantization starts: is it a LLaMA-family model the
/// engine reads? A llama2.c checkpoint must have a plausible header and exactly the length it
/// implies; a Hugging Face folder must have a config.json naming LlamaForCausalLM, Qwen2ForCausalLM
/// or MistralForCausalLM. The engine
/// checks everything else (tensor shapes, NaNs) when it loads the model.
/// </summary>
internal static class ModelProbe
{
    private const int HeaderBytes = 7 * sizeof(int);

    // What the engine's HuggingFaceConfigReader runs (the task does not reference the engine, so the
    // names are repeated here); the engine still refuses an unsupported feature of these with QLLM2004.
    private static readonly string[] SupportedArchitectures = ["LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM"];
    private static readonly string[] SupportedModelTypes = ["llama", "qwen2", "mistral"];

    /// <summary>Why <paramref name="path"/> is not a LLaMA-family model, or null when it looks like one.</summary>
    public static string? WhyNotLlama(string path) => Directory.Exists(path) ? CheckFolder(path) : CheckCheckpoint(path);

    private static string? CheckFolder(string folder)
    {
        var config = Path.Combine(folder, "config.json");
        if (!File.Exists(config))
        {
            return $"the folder has no config.json, so it is not a Hugging Face model";
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(config));
            var root = document.RootElement;
            var modelType = root.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
            var architectures = root.TryGetProperty("architectures", out var names) && names.ValueKind == JsonValueKind.Array
                ? names.EnumerateArray().Select(n => n.ToString()).ToArray()
                : [];
            if ((modelType is not null && SupportedModelTypes.Contains(modelType)) || architectures.Any(SupportedArchitectures.Contains))
            {
                return null;
            }

            return $"its config.json describes model_type \"{modelType}\" ({string.Join(", ", architectures)}); only LLaMA-family models ({string.Join(", ", SupportedArchitectures)}) are supported";
        }
        catch (JsonException e)
        {
            return $"its config.json is not valid JSON ({e.Message})";
        }
    }

    private static string? CheckCheckpoint(string file)
    {
        var length = new FileInfo(file).Length;
        if (length < HeaderBytes)
        {
            return $"the file is {length} bytes, too short for a llama2.c checkpoint";
        }

        Span<byte> header = stackalloc byte[HeaderBytes];
        using (var stream = File.OpenRead(file))
        {
            stream.ReadExactly(header);
        }

        long dim = Field(header, 0), hidden = Field(header, 1), layers = Field(header, 2), heads = Field(header, 3);
        long kvHeads = Field(header, 4), vocabField = Field(header, 5), seqLen = Field(header, 6);
        var vocab = Math.Abs(vocabField);
        var plausible = dim is > 0 and <= 65536 && hidden is > 0 and <= 262144 && layers is > 0 and <= 1024
            && heads > 0 && dim % heads == 0 && kvHeads > 0 && kvHeads <= heads && heads % kvHeads == 0
            && vocab is > 0 and <= 1_048_576 && seqLen is > 0 and <= 1_048_576;
        if (!plausible)
        {
            return "its header is not a llama2.c model header";
        }

        var kvDim = dim * kvHeads / heads;
        var perLayer = (2 * dim) + (2 * dim * dim) + (2 * dim * kvDim) + (3 * dim * hidden);
        var floats = (vocab * dim) + (layers * perLayer) + dim + (seqLen * (dim / heads)) + (vocabField < 0 ? vocab * dim : 0);
        var expected = HeaderBytes + (floats * sizeof(float));
        return length == expected
            ? null
            : $"it is {length} bytes, but a llama2.c checkpoint with its header would be {expected} bytes";
    }

    private static long Field(ReadOnlySpan<byte> header, int index) => BinaryPrimitives.ReadInt32LittleEndian(header[(index * 4)..]);
}
