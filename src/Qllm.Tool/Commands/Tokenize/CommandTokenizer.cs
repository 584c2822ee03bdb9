using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Tool.Commands.Tokenize;

/// <summary>The tokenizer `qllm tokenize` uses, and whether the model's prompts start with BOS.</summary>
internal sealed record CommandTokenizer(ITextTokenizer Tokenizer, bool AddsBos)
{
    /// <summary>
    /// The tokenizer of MODEL without its weights: the one an artifact carries, else the one named
    /// with --tokenizer, else tokenizer.model, tokenizer.json or tokenizer.bin in the folder or
    /// beside the file. llama2.c and SentencePiece prompts always start with BOS; a tokenizer.json's
    /// do where its tokenizer_config.json (or post-processor) says so.
    /// </summary>
    public static CommandTokenizer Open(string modelPath, string? tokenizerPath)
    {
        if (!File.Exists(modelPath) && !Directory.Exists(modelPath))
        {
            throw new QllmException(ErrorCodes.InputNotFound, modelPath, "the model does not exist", "pass a llama2.c .bin checkpoint, a Hugging Face folder or a .qllm artifact");
        }

        if (tokenizerPath is null && ArtifactFormat.IsArtifactFile(modelPath))
        {
            using var reader = ArtifactReader.Open(modelPath);
            var config = ArtifactSchema.ReadConfig(reader.Metadata, reader.Source);
            return Of(ArtifactSchema.ReadTokenizer(reader, config.VocabSize));
        }

        var path = TokenizerFiles.Resolve(modelPath, tokenizerPath);
        if (!File.Exists(path))
        {
            throw new QllmException(
                ErrorCodes.MissingTokenizer,
                path,
                tokenizerPath is null ? "no tokenizer beside the model: none of tokenizer.model, tokenizer.json or tokenizer.bin is there" : "the tokenizer file does not exist",
                "put the model's tokenizer there under one of those names, or pass --tokenizer FILE");
        }

        // Without the weights the vocabulary size is the tokenizer's own.
        ITextTokenizer tokenizer = TokenizerFiles.IsHuggingFace(path) ? HuggingFaceTokenizer.Load(path)
            : TokenizerFiles.IsSentencePiece(path) ? SentencePieceTokenizer.Load(path)
            : Llama2CTokenizer.Load(path);
        return Of(TokenizerFiles.WithConfig(tokenizer, TokenizerFiles.ReadConfigBeside(path), HuggingFaceTokenizer.ConfigPathFor(path)));
    }

    private static CommandTokenizer Of(ITextTokenizer tokenizer) =>
        new(tokenizer, tokenizer is not IChatTokenizer configured || configured.AddBosToken);
}
