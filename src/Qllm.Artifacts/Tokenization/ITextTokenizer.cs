namespace Qllm.Artifacts.Tokenization;

/// <summary>A LLaMA-style tokenizer: text to ids and back, with BOS/EOS ids.</summary>
public interface ITextTokenizer
{
    /// <summary>Number of tokens in the vocabulary.</summary>
    int VocabSize { get; }

    /// <summary>Begin-of-sequence id (1 for LLaMA).</summary>
    int BosId { get; }

    /// <summary>End-of-sequence id (2 for LLaMA).</summary>
    int EosId { get; }

    /// <summary>Encodes text without BOS or EOS (SentencePiece's dummy-prefix space is applied where the model asks for it).</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>
    /// Decodes ids to text. Byte-fallback tokens are joined into UTF-8; the leading space that the
    /// dummy prefix puts on the first word is dropped, as SentencePiece does.
    /// </summary>
    string Decode(IReadOnlyList<int> ids);
}
