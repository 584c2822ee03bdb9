using System.Buffers.Binary;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// Reads llama2.c's <c>tokenizer.bin</c>: int32 max_token_length, then per token a float32 score,
/// an int32 byte length and the bytes.
/// </summary>
internal static class Llama2CTokenizerFile
{
    /// <summary>
    /// A piece longer than this is not a token but a sign that the file is something else; the bound
    /// keeps a corrupt length from turning into a huge allocation.
    /// </summary>
    private const int MaxPieceLength = 1 << 16;

    /// <summary>Vocabularies beyond this are not LLaMA tokenizers (the largest are ~256k).</summary>
    private const int MaxVocabSize = 1 << 22;

    /// <summary>The pieces and scores of a tokenizer file, as stored.</summary>
    internal sealed record Contents(int MaxTokenLength, byte[][] Pieces, float[] Scores);

    /// <summary>
    /// Reads the file. With <paramref name="vocabSize"/> the file must hold exactly that many tokens;
    /// without it, tokens are read to the end of the file.
    /// </summary>
    public static Contents Read(string path, int? vocabSize)
    {
        if (!File.Exists(path))
        {
            throw new QllmException(
                ErrorCodes.InputNotFound, path, $"tokenizer file {path} does not exist", "check the path");
        }

        if (vocabSize is <= 0 or > MaxVocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, "The vocabulary size must be positive.");
        }

        byte[] bytes;
        try
        {
            bytes = ReadBounded(path);
        }
        catch (IOException e)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, path, $"tokenizer file cannot be read: {e.Message}", "check the file", e);
        }

        return Parse(bytes, path, vocabSize);
    }

    /// <summary>Parses the bytes of a tokenizer file; <paramref name="path"/> only names it in errors.</summary>
    public static Contents Parse(ReadOnlySpan<byte> bytes, string path, int? vocabSize)
    {
        const string Fix = "use llama2.c's tokenizer.bin (qllm setup fetches it) or pass --tokenizer FILE";
        if (bytes.Length < 4)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, path, $"tokenizer file is {bytes.Length} bytes, too short for its header", Fix);
        }

        var maxTokenLength = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (maxTokenLength is <= 0 or > MaxPieceLength)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, path, $"tokenizer header gives max_token_length {maxTokenLength}, which is impossible", Fix);
        }

        var pieces = new List<byte[]>(vocabSize ?? 32000);
        var scores = new List<float>(vocabSize ?? 32000);
        var offset = 4;
        while (vocabSize is { } n ? pieces.Count < n : offset < bytes.Length)
        {
            var id = pieces.Count;
            if (id >= MaxVocabSize)
            {
                throw new QllmException(ErrorCodes.BadTokenizer, path, $"tokenizer file holds more than {MaxVocabSize} tokens", Fix);
            }

            if (offset == bytes.Length)
            {
                throw new QllmException(
                    ErrorCodes.BadTokenizer, path, $"tokenizer file holds {id} tokens, the model's vocabulary has {vocabSize}", Fix);
            }

            if (bytes.Length - offset < 8)
            {
                throw new QllmException(
                    ErrorCodes.BadTokenizer, path, $"tokenizer file is truncated: token {id} at byte {offset} has no complete score and length", Fix);
            }

            var score = BinaryPrimitives.ReadSingleLittleEndian(bytes[offset..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[(offset + 4)..]);
            offset += 8;
            if (length < 0 || length > maxTokenLength)
            {
                throw new QllmException(
                    ErrorCodes.BadTokenizer, path, $"token {id} has length {length}, outside 0..{maxTokenLength} (max_token_length)", Fix);
            }

            if (bytes.Length - offset < length)
            {
                throw new QllmException(
                    ErrorCodes.BadTokenizer, path, $"tokenizer file is truncated: token {id} needs {length} bytes at byte {offset}, the file ends at {bytes.Length}", Fix);
            }

            pieces.Add(bytes.Slice(offset, length).ToArray());
            scores.Add(score);
            offset += length;
        }

        if (vocabSize is { } expected && offset != bytes.Length)
        {
            throw new QllmException(
                ErrorCodes.BadTokenizer, path, $"tokenizer file has {bytes.Length - offset} bytes after the model's {expected} tokens; it belongs to another vocabulary", Fix);
        }

        if (pieces.Count < 3)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, path, $"tokenizer file holds {pieces.Count} tokens; <unk>, <s> and </s> at least are needed", Fix);
        }

        return new Contents(maxTokenLength, [.. pieces], [.. scores]);
    }

    /// <summary>Reads the whole file, refusing sizes no tokenizer has.</summary>
    private static byte[] ReadBounded(string path)
    {
        // A 256k vocabulary with long pieces is a few MB; 256 MB means a wrong file, not a tokenizer.
        const long MaxFileBytes = 256L << 20;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length > MaxFileBytes)
        {
            throw new QllmException(
                ErrorCodes.BadTokenizer, path, $"tokenizer file is {stream.Length} bytes, far more than any tokenizer", "pass the tokenizer file, not the model, with --tokenizer FILE");
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
