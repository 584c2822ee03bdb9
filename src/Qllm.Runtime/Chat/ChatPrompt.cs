using Qllm.Artifacts.Templates;
using Qllm.Artifacts.Tokenization;

namespace Qllm.Runtime.Chat;

/// <summary>
/// Turns a conversation into the model's prompt tokens: the tokenizer's chat template rendered
/// (parsed once, on first use, so that a model with a template outside the supported subset still
/// loads and generates), or for a model without a template the plain format (the messages' texts,
/// one per line, after BOS: what a base model such as stories15M continues).
/// </summary>
internal sealed class ChatPrompt
{
    /// <summary>End-of-turn and end-of-text tokens of the families with chat templates; any in the vocabulary stops generation.</summary>
    private static readonly string[] EndOfTurnTokens =
        ["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>", "</s>", "<|end|>", "<end_of_turn>"];

    private readonly ITextTokenizer _tokenizer;
    private readonly Lazy<ChatPromptTemplate?> _template;

    public ChatPrompt(ITextTokenizer tokenizer, string source)
    {
        _tokenizer = tokenizer;
        var hf = tokenizer as IChatTokenizer;
        _template = new Lazy<ChatPromptTemplate?>(() => hf?.ChatTemplate is { } text ? ChatPromptTemplate.Parse(text, $"{source} (tokenizer_config.json chat_template)") : null);
        EndOfTurn = hf is null
            ? new HashSet<int>()
            : EndOfTurnTokens.Select(t => hf.TryGetTokenId(t, out var id) ? id : -1).Where(id => id >= 0).ToHashSet();
    }

    /// <summary>Whether the tokenizer has a chat template (else the plain format is used).</summary>
    public bool HasTemplate => _tokenizer is IChatTokenizer { ChatTemplate: not null };

    /// <summary>Tokens that end the assistant's turn besides EOS.</summary>
    public IReadOnlySet<int> EndOfTurn { get; }

    /// <summary>The prompt text: the rendered template, or the plain format.</summary>
    public string Format(IEnumerable<ChatTurn> messages, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = messages.Select(m => (m.Role, m.Content)).ToList();
        if (_template.Value is not { } template)
        {
            return string.Join("\n", list.Select(m => m.Content));
        }

        var hf = (IChatTokenizer)_tokenizer;
        return template.Render(list, addGenerationPrompt, hf.BosToken, hf.EosToken);
    }

    /// <summary>
    /// The prompt's tokens. A rendered template is encoded as transformers does
    /// (<c>add_special_tokens=False</c>: it writes its own BOS), with BOS put first only where the
    /// tokenizer adds one and the template did not; the plain format always starts with BOS.
    /// </summary>
    public List<int> Tokens(string prompt)
    {
        var tokens = new List<int>();
        if (_tokenizer is not IChatTokenizer hf)
        {
            tokens.Add(_tokenizer.BosId);
        }
        else if (hf.AddBosToken && !(hf.BosToken is { } bos && prompt.StartsWith(bos, StringComparison.Ordinal)))
        {
            tokens.Add(hf.BosId);
        }

        tokens.AddRange(_tokenizer.Encode(prompt));
        return tokens;
    }
}
