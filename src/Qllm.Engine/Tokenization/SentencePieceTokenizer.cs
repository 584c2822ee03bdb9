using Qllm.Engine.Errors;
using Ml = Microsoft.ML.Tokenizers;

namespace Qllm.Engine.Tokenization;

/// <summary>
/// A SentencePiece <c>tokenizer.model</c> (the LLaMA tokenizer of Hugging Face folders), run by
/// Microsoft.ML.Tokenizers.
/// </summary>
public sealed class SentencePieceTokenizer : ITextTokenizer
{
    private readonly Ml.LlamaTokenizer _inner;

    private SentencePieceTokenizer(Ml.LlamaTokenizer inner)
    {
        _inner = inner;
        VocabSize = inner.Vocabulary.Count;
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int BosId => _inner.BeginningOfSentenceId;

    /// <inheritdoc />
    public int EosId => _inner.EndOfSentenceId;

    /// <summary>Reads a SentencePiece <c>tokenizer.model</c>.</summary>
    /// <exception cref="QllmException">The file is missing (QLLM2001) or not a SentencePiece model (QLLM2006).</exception>
    public static SentencePieceTokenizer Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"tokenizer file {path} does not exist", "check the path");
        }

        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a SentencePiece model from a stream; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="QllmException">The stream does not hold a SentencePiece model (QLLM2006).</exception>
    public static SentencePieceTokenizer Load(Stream stream, string name)
    {
        try
        {
            return new SentencePieceTokenizer(Ml.LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false));
        }
        catch (Exception e) when (e is not QllmException and not OutOfMemoryException)
        {
            // Microsoft.ML.Tokenizers reports a malformed model with whatever its parser throws.
            throw new QllmException(
                ErrorCodes.BadTokenizer, name, $"not a SentencePiece model: {e.Message}", "pass a tokenizer.model or llama2.c tokenizer.bin with --tokenizer FILE", e);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : _inner.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _inner.Decode(ids, considerSpecialTokens: false);
    }
}
