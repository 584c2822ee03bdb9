using System.Text.Json;
using Qllm.Artifacts.Tokenization.HuggingFace;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> with a BPE model: byte-level BPE (Llama 3, Qwen2,
/// SmolLM2, GPT-2) and SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, Mistral),
/// with <c>tokenizer_config.json</c>'s BOS and EOS tokens, <c>add_bos_token</c> and chat template.
/// Encodes as the Hugging Face tokenizers library does: added tokens are cut out of the text
/// first (special tokens included), then each stretch between them is normalized,
/// pre-tokenized and merged.
/// </summary>
public sealed class HuggingFaceTokenizer : IChatTokenizer
{
    /// <summary>Far beyond any real tokenizer.json (Qwen's is 11 MB); more means a wrong file.</summary>
    private const long MaxFileBytes = 256L << 20;

    private readonly AddedTokenSplitter _raw;
    private readonly AddedTokenSplitter _normalized;
    private readonly Func<string, string>? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly BpeModel _model;
    private readonly TokenDecoder _decoder;
    private readonly Dictionary<string, int> _addedIds;

    private HuggingFaceTokenizer(JsonElement root, TokenizerConfig config, string source)
    {
        _model = BpeModelReader.Read(TokenizerJson.Property(root, "model"), source);
        _normalizer = TextNormalizers.Create(TokenizerJson.Property(root, "normalizer"), source);
        _preTokenizer = PreTokenizers.Create(TokenizerJson.Property(root, "pre_tokenizer"), source);
        var added = ReadAddedTokens(root, source);
        _addedIds = added.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);

        // As the reference: tokens marked normalized are matched in normalized text (when there is a
        // normalizer), the others in the raw text.
        var normalize = _normalizer;
        _raw = new AddedTokenSplitter(added.Where(t => !t.Normalized || normalize is null).Select(t => KeyValuePair.Create(t.Content, t)));
        _normalized = new AddedTokenSplitter(added.Where(t => t.Normalized && normalize is not null).Select(t => KeyValuePair.Create(normalize!(t.Content), t)));

        VocabSize = Math.Max(_model.Ids.Count == 0 ? 0 : _model.Ids.Values.Max() + 1, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        var tokens = new string?[VocabSize];
        var special = new bool[VocabSize];
        var isAdded = new bool[VocabSize];
        foreach (var (text, id) in _model.Ids)
        {
            tokens[id] = text;
        }

        foreach (var token in added)
        {
            tokens[token.Id] = token.Content;
            special[token.Id] = token.Special;
            isAdded[token.Id] = true;
        }

        var byteLevel = TokenizerJson.OptionalString(TokenizerJson.Property(root, "decoder"), "type") == "ByteLevel";
        _decoder = new TokenDecoder(tokens, special, isAdded, byteLevel, TokenDecoder.LeadingSpacesStripped(TokenizerJson.Property(root, "decoder")));

        var templateBos = TemplateBosToken(TokenizerJson.Property(root, "post_processor"));
        BosToken = config.BosToken ?? templateBos;
        EosToken = config.EosToken;
        AddBosToken = config.AddBosToken ?? (templateBos is not null && templateBos == BosToken);
        ChatTemplate = config.ChatTemplate;
        EosId = EosToken is not null && TryGetTokenId(EosToken, out var eos) ? eos : -1;
        BosId = BosToken is not null && TryGetTokenId(BosToken, out var bos) ? bos : Math.Max(EosId, 0);
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <summary>The BOS token's id; a tokenizer without one (Qwen) answers its EOS token, as GPT-2-style models begin with it.</summary>
    public int BosId { get; }

    /// <summary>The EOS token's id (from <c>tokenizer_config.json</c>), or -1 when none is named.</summary>
    public int EosId { get; }

    /// <summary>The BOS token's text, or null when the tokenizer has none.</summary>
    public string? BosToken { get; }

    /// <summary>The EOS token's text, or null when none is named.</summary>
    public string? EosToken { get; }

    /// <summary>
    /// Whether a prompt for the model starts with BOS: <c>add_bos_token</c> of
    /// <c>tokenizer_config.json</c>, else whether the post-processor's template starts with it (Llama 3).
    /// </summary>
    public bool AddBosToken { get; }

    /// <summary>The Jinja chat template of <c>tokenizer_config.json</c>, or null.</summary>
    public string? ChatTemplate { get; }

    /// <summary>
    /// Reads a <c>tokenizer.json</c>, with the <c>tokenizer_config.json</c> beside it when there is one.
    /// </summary>
    /// <exception cref="QllmException">The file is missing (QLLM2001), or it or its config is malformed or of an unsupported kind (QLLM2006).</exception>
    public static HuggingFaceTokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"tokenizer file {path} does not exist", "check the path");
        }

        var config = ConfigPathFor(path);
        return Parse(ReadBounded(path), File.Exists(config) ? ReadBounded(config) : null, path);
    }

    /// <summary>The <c>tokenizer_config.json</c> beside a <c>tokenizer.json</c>.</summary>
    public static string ConfigPathFor(string tokenizerPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerPath)) ?? ".", TokenizerFiles.HuggingFaceConfigFileName);

    /// <summary>Reads a tokenizer from the bytes of its <c>tokenizer.json</c> and, when given, <c>tokenizer_config.json</c>.</summary>
    /// <param name="tokenizerJson">The tokenizer.json contents.</param>
    /// <param name="configJson">The tokenizer_config.json contents, or null.</param>
    /// <param name="source">Where the bytes came from, for error messages.</param>
    /// <exception cref="QllmException">They are malformed or of an unsupported kind (QLLM2006).</exception>
    public static HuggingFaceTokenizer Parse(byte[] tokenizerJson, byte[]? configJson, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizerJson);
        ArgumentNullException.ThrowIfNull(source);
        var config = configJson is null ? TokenizerConfig.None : TokenizerConfig.Parse(configJson, source);
        try
        {
            using var document = JsonDocument.Parse(tokenizerJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw TokenizerJsonError.Bad(source, "tokenizer.json is not a JSON object");
            }

            return new HuggingFaceTokenizer(document.RootElement, config, source);
        }
        catch (JsonException e)
        {
            throw TokenizerJsonError.Bad(source, $"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The id of a token, added tokens included.</summary>
    public bool TryGetTokenId(string token, out int id)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedIds.TryGetValue(token, out id) || _model.Ids.TryGetValue(token, out id);
    }

    /// <summary>Encodes text without BOS or EOS; added and special tokens written in the text are matched as tokens.</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        var words = new List<string>();
        var sections = _raw.Split(text);
        for (var index = 0; index < sections.Count; index++)
        {
            var (section, token) = sections[index];
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }

            var normalized = _normalizer is null ? section : _normalizer(section);
            foreach (var (part, addedToken) in _normalized.Split(normalized))
            {
                if (addedToken is not null)
                {
                    ids.Add(addedToken.Id);
                    continue;
                }

                words.Clear();
                if (_preTokenizer is null)
                {
                    words.Add(part);
                }
                else
                {
                    _preTokenizer.PreTokenize(part, index, words);
                }

                foreach (var word in words)
                {
                    _model.Encode(word, ids);
                }
            }
        }

        return ids;
    }

    /// <summary>Decodes ids to text; special tokens (BOS, EOS, chat markers) are left out.</summary>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _decoder.Decode(ids);
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var tokens = new List<AddedToken>();
        if (TokenizerJson.Property(root, "added_tokens") is not { ValueKind: JsonValueKind.Array } list)
        {
            return tokens;
        }

        foreach (var entry in list.EnumerateArray())
        {
            if (TokenizerJson.Property(entry, "id") is not { ValueKind: JsonValueKind.Number } id || !id.TryGetInt32(out var value) || value < 0)
            {
                throw TokenizerJsonError.Bad(source, $"an added token has no non-negative \"id\": {entry.GetRawText()}");
            }

            var special = TokenizerJson.Bool(entry, "special", absent: false);
            tokens.Add(new AddedToken(
                value,
                TokenizerJson.String(entry, "content", source),
                special,
                TokenizerJson.Bool(entry, "lstrip", absent: false),
                TokenizerJson.Bool(entry, "rstrip", absent: false),
                TokenizerJson.Bool(entry, "normalized", absent: !special)));
        }

        return tokens;
    }

    /// <summary>The special token a <c>TemplateProcessing</c> post-processor puts first in a single sequence (Llama 3's BOS), or null.</summary>
    private static string? TemplateBosToken(JsonElement processor)
    {
        switch (TokenizerJson.OptionalString(processor, "type"))
        {
            case "Sequence" when TokenizerJson.Property(processor, "processors") is { ValueKind: JsonValueKind.Array } steps:
                return steps.EnumerateArray().Select(TemplateBosToken).FirstOrDefault(t => t is not null);
            case "TemplateProcessing" when TokenizerJson.Property(processor, "single") is { ValueKind: JsonValueKind.Array } single && single.GetArrayLength() > 0:
                return TokenizerJson.OptionalString(TokenizerJson.Property(single[0], "SpecialToken"), "id");
            default:
                return null;
        }
    }

    private static byte[] ReadBounded(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
        {
            throw TokenizerJsonError.Bad(path, $"the file is {length} bytes, far more than any tokenizer");
        }

        return File.ReadAllBytes(path);
    }
}
