using Qllm.Artifacts.Tokenization.HuggingFace;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// A SentencePiece or llama2.c tokenizer with the <c>tokenizer_config.json</c> beside it (TinyLlama
/// ships <c>tokenizer.model</c>, <c>tokenizer.json</c> and that file): its BOS/EOS texts,
/// <c>add_bos_token</c> and chat template. Encoding cuts the config's special tokens
/// (<c>added_tokens_decoder</c>, BOS, EOS, UNK, PAD) out of the text first and encodes each stretch
/// between them on its own, dummy prefix included, as the model's <c>tokenizer.json</c> does (its
/// added tokens are split off before its Prepend normalizer runs on each stretch), so a rendered
/// template's <c>&lt;/s&gt;</c> is the EOS id, not the characters.
/// </summary>
internal sealed class ConfiguredTokenizer : IChatTokenizer
{
    private readonly ITextTokenizer _inner;
    private readonly AddedTokenSplitter _special;
    private readonly Dictionary<string, int> _ids;

    public ConfiguredTokenizer(ITextTokenizer inner, TokenizerConfig config)
    {
        _inner = inner;
        var tokens = config.DecoderTokens.Where(t => t.Id < inner.VocabSize).ToList();
        foreach (var text in new[] { config.BosToken, config.EosToken }.Concat(config.OtherSpecialTokens).OfType<string>())
        {
            if (text.Length > 0 && !tokens.Any(t => t.Content == text) && IdOf(inner, text, config) is { } id)
            {
                tokens.Add(new AddedToken(id, text, Special: true, LeftStrip: false, RightStrip: false, Normalized: false));
            }
        }

        _ids = tokens.GroupBy(t => t.Content, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        _special = new AddedTokenSplitter(tokens.Select(t => KeyValuePair.Create(t.Content, t)));
        BosToken = config.BosToken;
        EosToken = config.EosToken;
        AddBosToken = config.AddBosToken ?? true;
        ChatTemplate = config.ChatTemplate;
        BosId = BosToken is not null && _ids.TryGetValue(BosToken, out var bos) ? bos : inner.BosId;
        EosId = EosToken is not null && _ids.TryGetValue(EosToken, out var eos) ? eos : inner.EosId;
    }

    public int VocabSize => _inner.VocabSize;

    public int BosId { get; }

    public int EosId { get; }

    public string? BosToken { get; }

    public string? EosToken { get; }

    public bool AddBosToken { get; }

    public string? ChatTemplate { get; }

    public bool TryGetTokenId(string token, out int id)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_ids.TryGetValue(token, out id))
        {
            return true;
        }

        id = -1;
        return _inner is SentencePieceTokenizer sentencePiece && sentencePiece.TryGetPieceId(token, out id);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 1);
        foreach (var (section, token) in _special.Split(text))
        {
            if (token is not null)
            {
                ids.Add(token.Id);
            }
            else
            {
                ids.AddRange(_inner.Encode(section));
            }
        }

        return ids;
    }

    public string Decode(IReadOnlyList<int> ids) => _inner.Decode(ids);

    /// <summary>
    /// A special token's id: its SentencePiece piece, else (llama2.c, whose pieces are written
    /// with newlines around them) the tokenizer's own BOS or EOS id where the text is the config's BOS or EOS.
    /// </summary>
    private static int? IdOf(ITextTokenizer inner, string text, TokenizerConfig config) =>
        inner is SentencePieceTokenizer sentencePiece && sentencePiece.TryGetPieceId(text, out var id) ? id
        : text == config.BosToken ? inner.BosId
        : text == config.EosToken ? inner.EosId
        : null;
}
