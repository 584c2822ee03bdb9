using System.Text.Json;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>What a tokenizer uses from <c>tokenizer_config.json</c>.</summary>
/// <param name="BosToken">The begin-of-sequence token's text, or null.</param>
/// <param name="EosToken">The end-of-sequence token's text, or null.</param>
/// <param name="AddBosToken">Whether encoding for the model starts with BOS; null when the file does not say.</param>
/// <param name="ChatTemplate">The Jinja chat template (the default one where the file names several), or null.</param>
internal sealed record TokenizerConfig(string? BosToken, string? EosToken, bool? AddBosToken, string? ChatTemplate)
{
    /// <summary>No <c>tokenizer_config.json</c>.</summary>
    public static TokenizerConfig None { get; } = new(null, null, null, null);

    public static TokenizerConfig Parse(ReadOnlySpan<byte> json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { AllowTrailingCommas = true });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw TokenizerJsonError.Bad(source, "tokenizer_config.json is not a JSON object");
            }

            bool? addBos = TokenizerJson.Property(root, "add_bos_token") is { ValueKind: JsonValueKind.True or JsonValueKind.False } add ? add.GetBoolean() : null;
            return new TokenizerConfig(TokenText(root, "bos_token"), TokenText(root, "eos_token"), addBos, ChatTemplateOf(root));
        }
        catch (JsonException e)
        {
            throw TokenizerJsonError.Bad(source, $"tokenizer_config.json is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A special token as a string, or as an AddedToken object with "content" (older files).</summary>
    private static string? TokenText(JsonElement root, string name) => TokenizerJson.Property(root, name) switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Object } token => TokenizerJson.OptionalString(token, "content"),
        _ => null,
    };

    /// <summary>A template string, or from a list of {name, template} the one named "default" (else the first).</summary>
    private static string? ChatTemplateOf(JsonElement root)
    {
        var template = TokenizerJson.Property(root, "chat_template");
        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }

        if (template.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var named = template.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.Object).ToList();
        var chosen = named.FirstOrDefault(t => TokenizerJson.OptionalString(t, "name") == "default");
        return TokenizerJson.OptionalString(chosen.ValueKind == JsonValueKind.Object ? chosen : named.FirstOrDefault(), "template");
    }
}
