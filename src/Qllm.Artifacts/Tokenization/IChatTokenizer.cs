namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// A tokenizer with the settings of a <c>tokenizer_config.json</c>: the BOS and EOS tokens' texts,
/// whether prompts start with BOS, and the chat template. A Hugging Face <c>tokenizer.json</c> has
/// them, and so does a SentencePiece or llama2.c tokenizer that travels with a <c>tokenizer_config.json</c>
/// (TinyLlama's folder holds <c>tokenizer.model</c> and its template in that file).
/// </summary>
public interface IChatTokenizer : ITextTokenizer
{
    /// <summary>The BOS token's text, or null when the tokenizer has none.</summary>
    string? BosToken { get; }

    /// <summary>The EOS token's text, or null when none is named.</summary>
    string? EosToken { get; }

    /// <summary>Whether a prompt for the model starts with BOS.</summary>
    bool AddBosToken { get; }

    /// <summary>The Jinja chat template of <c>tokenizer_config.json</c>, or null.</summary>
    string? ChatTemplate { get; }

    /// <summary>The id of a token written as text (a special token such as <c>&lt;/s&gt;</c> included).</summary>
    bool TryGetTokenId(string token, out int id);
}
