using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tokenization;

/// <summary>
/// Finds and opens a model's tokenizer: a llama2.c <c>tokenizer.bin</c>, a SentencePiece
/// <c>tokenizer.model</c> or a Hugging Face <c>tokenizer.json</c>.
/// </summary>
public static class TokenizerFiles
{
    /// <summary>The llama2.c tokenizer's file name.</summary>
    public const string Llama2CFileName = "tokenizer.bin";

    /// <summary>The SentencePiece tokenizer's file name in Hugging Face folders.</summary>
    public const string SentencePieceFileName = "tokenizer.model";

    /// <summary>The Hugging Face tokenizers file name (<see cref="HuggingFaceTokenizer"/>).</summary>
    public const string HuggingFaceFileName = "tokenizer.json";

    /// <summary>The file beside <see cref="HuggingFaceFileName"/> naming BOS, EOS and the chat template.</summary>
    public const string HuggingFaceConfigFileName = "tokenizer_config.json";

    /// <summary>
    /// Opens a tokenizer file: Hugging Face's when it is named <c>*.json</c>, SentencePiece when it
    /// is named <c>*.model</c> or its content is a protobuf message, llama2.c's format otherwise.
    /// </summary>
    /// <param name="path">The tokenizer file.</param>
    /// <param name="vocabSize">
    /// The model's vocabulary size (embedding rows); the tokenizer must have exactly as many tokens,
    /// or for a <c>tokenizer.json</c> at most as many (Qwen pads its embedding to 151936 rows).
    /// </param>
    /// <exception cref="QllmException">The file is missing (QLLM2005) or malformed or of another vocabulary (QLLM2006).</exception>
    public static ITextTokenizer Load(string path, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new QllmException(
                ErrorCodes.MissingTokenizer, path, $"no tokenizer at {path}", "pass --tokenizer FILE or put tokenizer.bin beside the model");
        }

        if (IsHuggingFace(path))
        {
            return CheckFits(HuggingFaceTokenizer.Load(path), path, vocabSize);
        }

        if (!IsSentencePiece(path))
        {
            return Llama2CTokenizer.Load(path, vocabSize);
        }

        var tokenizer = SentencePieceTokenizer.Load(path);
        if (tokenizer.VocabSize != vocabSize)
        {
            throw new QllmException(
                ErrorCodes.BadTokenizer, path, $"tokenizer has {tokenizer.VocabSize} tokens, the model's vocabulary has {vocabSize}", "pass the model's own tokenizer with --tokenizer FILE");
        }

        return tokenizer;
    }

    /// <summary>
    /// Opens the tokenizer of a model: <paramref name="tokenizerPath"/> when given, else
    /// <c>tokenizer.model</c>, <c>tokenizer.json</c> or <c>tokenizer.bin</c> inside a model folder or beside a model file.
    /// </summary>
    /// <exception cref="QllmException">No tokenizer is found (QLLM2005) or it is malformed (QLLM2006).</exception>
    public static ITextTokenizer LoadForModel(string modelPath, string? tokenizerPath, int vocabSize) =>
        Load(Resolve(modelPath, tokenizerPath), vocabSize);

    /// <summary>
    /// The tokenizer file of a model: <paramref name="tokenizerPath"/> when given, else the first of
    /// <c>tokenizer.model</c>, <c>tokenizer.json</c> and <c>tokenizer.bin</c> inside a model folder or
    /// beside a model file (<c>tokenizer.bin</c> when none exists, so that the error names the file
    /// expected). <c>tokenizer.model</c> comes first because converted folders (and TinyLlama's)
    /// hold both it and <c>tokenizer.json</c>, and the ids of models already built must not change.
    /// </summary>
    public static string Resolve(string modelPath, string? tokenizerPath)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        if (tokenizerPath is not null)
        {
            return tokenizerPath;
        }

        var folder = Directory.Exists(modelPath) ? modelPath : Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        var sentencePiece = Path.Combine(folder, SentencePieceFileName);
        var huggingFace = Path.Combine(folder, HuggingFaceFileName);
        return File.Exists(sentencePiece) ? sentencePiece
            : File.Exists(huggingFace) ? huggingFace
            : Path.Combine(folder, Llama2CFileName);
    }

    /// <summary>Opens a Hugging Face tokenizer from the bytes of its <c>tokenizer.json</c> and <c>tokenizer_config.json</c> (as an artifact carries them).</summary>
    /// <exception cref="QllmException">They are malformed, or the tokenizer has more tokens than <paramref name="vocabSize"/> (QLLM2006).</exception>
    public static HuggingFaceTokenizer LoadHuggingFace(byte[] tokenizerJson, byte[]? configJson, string source, int vocabSize) =>
        CheckFits(HuggingFaceTokenizer.Parse(tokenizerJson, configJson, source), source, vocabSize);

    /// <summary>
    /// A SentencePiece or llama2.c tokenizer with the settings of a <c>tokenizer_config.json</c>
    /// (BOS/EOS, <c>add_bos_token</c>, chat template, special tokens cut out of text); the tokenizer
    /// itself when <paramref name="configJson"/> is null or it is a Hugging Face tokenizer, which reads its own.
    /// </summary>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="configJson">The <c>tokenizer_config.json</c> contents, or null.</param>
    /// <param name="source">Where the config came from, for error messages.</param>
    /// <exception cref="QllmException">The config is not valid JSON (QLLM2006).</exception>
    public static ITextTokenizer WithConfig(ITextTokenizer tokenizer, byte[]? configJson, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(source);
        return configJson is null || tokenizer is HuggingFaceTokenizer
            ? tokenizer
            : new ConfiguredTokenizer(tokenizer, HuggingFace.TokenizerConfig.Parse(configJson, source));
    }

    /// <summary>The <c>tokenizer_config.json</c> beside a tokenizer file, or null when there is none.</summary>
    public static byte[]? ReadConfigBeside(string tokenizerPath)
    {
        var path = HuggingFaceTokenizer.ConfigPathFor(tokenizerPath);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    /// <summary>Whether the tokenizer file at <paramref name="path"/> is a Hugging Face <c>tokenizer.json</c> (by its name).</summary>
    public static bool IsHuggingFace(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A tokenizer.json may have fewer tokens than the embedding has rows (rows past it are never
    /// produced), never more: a token without a row would index past the embedding.
    /// </summary>
    private static HuggingFaceTokenizer CheckFits(HuggingFaceTokenizer tokenizer, string source, int vocabSize) =>
        tokenizer.VocabSize <= vocabSize
            ? tokenizer
            : throw new QllmException(
                ErrorCodes.BadTokenizer, source, $"tokenizer has {tokenizer.VocabSize} tokens, more than the model's {vocabSize} embedding rows", "pass the model's own tokenizer with --tokenizer FILE");

    /// <summary>Opens a tokenizer from its bytes, in the format named.</summary>
    public static ITextTokenizer Load(byte[] bytes, bool sentencePiece, string source, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (!sentencePiece)
        {
            return Llama2CTokenizer.Parse(bytes, source, vocabSize);
        }

        using var stream = new MemoryStream(bytes, writable: false);
        return SentencePieceTokenizer.Load(stream, source);
    }

    /// <summary>
    /// Whether the tokenizer file at <paramref name="path"/> is SentencePiece (else llama2.c). By
    /// name first; otherwise a llama2.c file starts with a small little-endian int32
    /// (max_token_length: zeros after the first byte) and a ModelProto with field 1 (tag 0x0A) and a non-zero length.
    /// </summary>
    public static bool IsSentencePiece(string path)
    {
        if (path.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (path.EndsWith(".bin", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Span<byte> head = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return read == head.Length && head[0] == 0x0A && (head[1] | head[2] | head[3]) != 0;
    }
}
