using Qllm.Core.Errors;

namespace Qllm.Artifacts.Tokenization.HuggingFace;

/// <summary>The one error a <c>tokenizer.json</c> that cannot be used gets: QLLM2006, naming the file.</summary>
internal static class TokenizerJsonError
{
    private const string Fix = "pass the model's own tokenizer.json as the Hugging Face tokenizers library writes it";

    public static QllmException Bad(string source, string message, Exception? inner = null) =>
        new(ErrorCodes.BadTokenizer, source, message, Fix, inner);

    public static QllmException Unsupported(string source, string what) =>
        new(ErrorCodes.BadTokenizer, source, $"{what} is not supported (byte-level BPE and SentencePiece-style BPE are)", "convert the model's tokenizer to one of those, or use its tokenizer.model");
}
