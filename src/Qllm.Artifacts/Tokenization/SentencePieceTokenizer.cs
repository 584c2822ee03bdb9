using Qllm.Core.Errors;
using Ml = Microsoft.ML.Tokenizers;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// A SentencePiece <c>tokenizer.model</c> (the LLaMA tokenizer of Hugging Face folders), run by
/// Microsoft.ML.Tokenizers; LLaMA-shaped models encode through SentencePiece's exact merge order,
/// which Microsoft.ML.Tokenizers 2.0.1 does not follow on ties (see <see cref="SentencePieceLlamaEncoder"/>).
/// </summary>
public sealed class SentencePieceTokenizer : ITextTokenizer
{
    /// <summary>Far beyond any real model (LLaMA's is 500 KB); more means a wrong file.</summary>
    private const long MaxFileBytes = 256L << 20;

    private readonly Ml.LlamaTokenizer _inner;
    private readonly SentencePieceLlamaEncoder? _exact;
    private readonly Dictionary<string, int> _pieceIds;

    private SentencePieceTokenizer(Ml.LlamaTokenizer inner, SentencePieceModel model, SentencePieceLlamaEncoder? exact)
    {
        _inner = inner;
        _exact = exact;
        VocabSize = model.Pieces.Count;
        _pieceIds = new Dictionary<string, int>(model.Pieces.Count, StringComparer.Ordinal);
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            _pieceIds.TryAdd(model.Pieces[id].Text, id);
        }
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int BosId => _inner.BeginningOfSentenceId;

    /// <inheritdoc />
    public int EosId => _inner.EndOfSentenceId;

    /// <summary>Whether encoding follows SentencePiece's exact merge order rather than Microsoft.ML.Tokenizers'.</summary>
    internal bool UsesExactEncoder => _exact is not null;

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
        ArgumentNullException.ThrowIfNull(stream);
        const string Fix = "pass a tokenizer.model or llama2.c tokenizer.bin with --tokenizer FILE";
        if (stream.CanSeek && stream.Length - stream.Position > MaxFileBytes)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, name, $"tokenizer file is {stream.Length} bytes, far more than any tokenizer", Fix);
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        try
        {
            var model = SentencePieceModelReader.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            buffer.Position = 0;
            var inner = Ml.LlamaTokenizer.Create(buffer, addBeginOfSentence: false, addEndOfSentence: false);
            return new SentencePieceTokenizer(inner, model, SentencePieceLlamaEncoder.TryCreate(model));
        }
        catch (Exception e) when (e is not QllmException and not OutOfMemoryException)
        {
            // Microsoft.ML.Tokenizers reports a malformed model with whatever its parser throws.
            throw new QllmException(ErrorCodes.BadTokenizer, name, $"not a SentencePiece model: {e.Message}", Fix, e);
        }
    }

    /// <summary>The id of a piece by its text (control pieces such as <c>&lt;/s&gt;</c> included).</summary>
    internal bool TryGetPieceId(string piece, out int id) => _pieceIds.TryGetValue(piece, out id);

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return [];
        }

        return _exact is not null
            ? _exact.Encode(text)
            : _inner.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);
    }

    /// <inheritdoc />
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _inner.Decode(ids, considerSpecialTokens: false);
    }
}
