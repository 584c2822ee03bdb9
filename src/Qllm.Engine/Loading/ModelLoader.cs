using Qllm.Artifacts.Container;
using Qllm.Engine.ArtifactMapping;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Core.Errors;
using Qllm.Engine.Loading.Llama2C;
using Qllm.Engine.Modeling;
using Qllm.Engine.Loading;
using Qllm.Artifacts.Tokenization;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading;

/// <summary>
/// Opens a model by path: a folder is a Hugging Face LLaMA folder, a file a 4-bit artifact (by its
/// magic bytes) or a llama2.c checkpoint.
/// The tokenizer is the one named, else tokenizer.model, tokenizer.json or tokenizer.bin in the folder or beside
/// the file (<see cref="TokenizerFiles.LoadForModel"/>).
/// </summary>
public static class ModelLoader
{
    /// <summary>Reads the checkpoint at <paramref name="path"/> into CPU tensors.</summary>
    public static LlamaCheckpoint ReadCheckpoint(string path) => ReadCheckpoint(path, streamLayers: false);

    /// <summary>
    /// Reads the checkpoint at <paramref name="path"/>; with <paramref name="streamLayers"/>, a Hugging
    /// Face folder's layer linears stay in their files until the model loads each layer
    /// (<see cref="LlamaModel.LoadLayer"/>). A llama2.c file is small and read whole either way.
    /// </summary>
    internal static LlamaCheckpoint ReadCheckpoint(string path, bool streamLayers)
    {
        if (Directory.Exists(path))
        {
            return HuggingFaceCheckpointReader.Read(path, streamLayers);
        }

        if (!File.Exists(path))
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, "the model does not exist", "pass a llama2.c .bin checkpoint or a Hugging Face folder, or run `qllm setup` to fetch stories15M");
        }

        return Llama2CCheckpointReader.Read(path);
    }

    /// <summary>Loads the model and its tokenizer onto <paramref name="device"/>; a 4-bit artifact carries its own tokenizer.</summary>
    public static LoadedModel Load(string path, string? tokenizerPath, Device device) => Load(path, tokenizerPath, device, streamLayers: false);

    /// <summary>Loads the model (see <see cref="ReadCheckpoint(string, bool)"/> for <paramref name="streamLayers"/>) and its tokenizer onto <paramref name="device"/>.</summary>
    internal static LoadedModel Load(string path, string? tokenizerPath, Device device, bool streamLayers)
    {
        if (ArtifactFormat.IsArtifactFile(path))
        {
            return QuantizedArtifactLoader.Load(path, device);
        }

        using var checkpoint = ReadCheckpoint(path, streamLayers);
        var tokenizerFile = TokenizerFiles.Resolve(path, tokenizerPath);
        if (tokenizerPath is null && !File.Exists(tokenizerFile))
        {
            throw MissingTokenizer(path);
        }

        var tokenizer = TokenizerFiles.Load(tokenizerFile, checkpoint.Config.VocabSize);
        return new LoadedModel(LlamaModel.FromCheckpoint(checkpoint, device), tokenizer, path, tokenizerFile);
    }

    /// <summary>
    /// No tokenizer was named and none was found: the error names every file the search accepts, and
    /// where it looked, rather than only the last name tried.
    /// </summary>
    private static QllmException MissingTokenizer(string modelPath)
    {
        var accepted = $"{TokenizerFiles.SentencePieceFileName} (SentencePiece), {TokenizerFiles.HuggingFaceFileName} (Hugging Face) or {TokenizerFiles.Llama2CFileName} (llama2.c)";
        if (Directory.Exists(modelPath))
        {
            return new QllmException(
                ErrorCodes.MissingTokenizer,
                modelPath,
                $"the model folder has no tokenizer: it must hold {accepted}",
                "copy the model's tokenizer into the folder as one of those, or pass --tokenizer FILE");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        return new QllmException(
            ErrorCodes.MissingTokenizer,
            modelPath,
            $"no tokenizer beside the model: {folder} holds neither {accepted}",
            "put the model's tokenizer there under one of those names, or pass --tokenizer FILE");
    }
}
