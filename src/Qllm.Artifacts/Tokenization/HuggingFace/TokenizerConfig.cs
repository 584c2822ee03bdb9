using System.Text.Json;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>What a tokenizer uses from <c>tokenizer_config.json</c>.</summary>
/// <param name="BosToken">The begin-of-sequence token's text, or null.</param>
/// <param name="EosToken">The end-of-sequence token's text, or null.</param>
/// <param name="AddBosToken">Whether encoding for the model starts with BOS; null when the file does not say.</param>
/// <param name="ChatTemplate">The Jinja chat template (the default one where the file names several), or null.</param>
internal sealed record TokenizerConfig(string? BosToken, string? EosToken, bool? AddBosToken, string? ChatTemplate)
{
    /// <summary>
    /// The tokens of <c>added_tokens_decoder</c> (ids from its keys): what a tokenizer without a
    /// <c>tokenizer.json</c> cuts out of text as tokens, as the library does with the
    /// <c>added_tokens</c> of the <c>tokenizer.json</c> that holds them.
    /// </summary>
    public IReadOnlyList<AddedToken> DecoderTokens { get; init; } = [];

    /// <summary>The texts of <c>unk_token</c> and <c>pad_token</c>, where named.</summary>
    public IReadOnlyList<string> OtherSpecialTokens { get; init; } = [];

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
            return new TokenizerConfig(TokenText(root, "bos_token"), TokenText(root, "eos_token"), addBos, ChatTemplateOf(root))
            {
                DecoderTokens = DecoderTokensOf(root),
                OtherSpecialTokens = new[] { TokenText(root, "unk_token"), TokenText(root, "pad_token") }.OfType<string>().ToArray(),
            };
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

    /// <summary><c>added_tokens_decoder</c>: {"id": {"content": ..., "special": ..., "lstrip": ...}}; entries without a numeric key or content are skipped.</summary>
    private static AddedToken[] DecoderTokensOf(JsonElement root)
    {
        if (TokenizerJson.Property(root, "added_tokens_decoder") is not { ValueKind: JsonValueKind.Object } decoder)
        {
            return [];
        }

        var tokens = new List<AddedToken>();
        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
                || entry.Value.ValueKind != JsonValueKind.Object
                || TokenizerJson.OptionalString(entry.Value, "content") is not { Length: > 0 } content)
            {
                continue;
            }

            var special = TokenizerJson.Bool(entry.Value, "special", absent: false);
            tokens.Add(new AddedToken(
                id,
                content,
                special,
                TokenizerJson.Bool(entry.Value, "lstrip", absent: false),
                TokenizerJson.Bool(entry.Value, "rstrip", absent: false),
                TokenizerJson.Bool(entry.Value, "normalized", absent: !special)));
        }

        return [.. tokens];
    }

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
