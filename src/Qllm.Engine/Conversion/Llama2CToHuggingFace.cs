using Qllm.Engine.Loading.HuggingFace;
using Qllm.Core.Errors;
using Qllm.Core.IO;
using Qllm.Engine.Loading.Llama2C;
using Qllm.Artifacts.Tokenization;
using static TorchSharp.torch;

namespace Qllm.Engine.Conversion;

/// <summary>
/// `qllm convert`: a llama2.c checkpoint and tokenizer.bin become a Hugging Face LLaMA folder that
/// runs on its own: config.json, model.safetensors (q/k rows permuted to the half-split rotary
/// layout), tokenizer.bin copied and a SentencePiece tokenizer.model built from it.
/// </summary>
public static class Llama2CToHuggingFace
{
    /// <summary>Converts <paramref name="checkpointPath"/> into <paramref name="outputFolder"/>.</summary>
    /// <param name="checkpointPath">The llama2.c checkpoint.</param>
    /// <param name="tokenizerPath">Its tokenizer.bin, or null for tokenizer.bin beside the checkpoint.</param>
    /// <param name="outputFolder">The folder to write (created when missing).</param>
    /// <param name="dtype">Float32, Float16 or BFloat16.</param>
    /// <param name="maxShardBytes">Shard the weights at this size, or null for one file.</param>
    public static void Convert(string checkpointPath, string? tokenizerPath, string outputFolder, ScalarType dtype = ScalarType.Float32, long? maxShardBytes = null)
    {
        tokenizerPath ??= Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath)) ?? ".", TokenizerFiles.Llama2CFileName);
        RefuseInputs(checkpointPath, tokenizerPath, outputFolder);
        var config = Llama2CCheckpointReader.ReadConfig(checkpointPath);
        if (TokenizerFiles.Load(tokenizerPath, config.VocabSize) is not Llama2CTokenizer tokenizer)
        {
            throw new QllmException(ErrorCodes.BadTokenizer, tokenizerPath, "convert needs the llama2.c tokenizer.bin of the checkpoint", "pass it with --tokenizer");
        }

        using var source = Llama2CCheckpointReader.Read(checkpointPath);
        using var converted = RopePermutation.ToHalfSplit(source);
        HuggingFaceCheckpointWriter.Write(converted, outputFolder, dtype, maxShardBytes);
        File.Copy(tokenizerPath, Path.Combine(outputFolder, TokenizerFiles.Llama2CFileName), overwrite: true);
        SentencePieceModelWriter.WriteFile(tokenizer, Path.Combine(outputFolder, TokenizerFiles.SentencePieceFileName));
    }

    /// <summary>
    /// Refuses an output folder where a file the conversion writes (or removes as a stale weight file)
    /// is one of its inputs: converting into the checkpoint's own folder would replace tokenizer.bin
    /// with itself, and an input named like a weight file would be deleted.
    /// </summary>
    private static void RefuseInputs(string checkpointPath, string tokenizerPath, string outputFolder)
    {
        string[] written = [HuggingFaceFiles.Config, HuggingFaceFiles.SingleWeights, HuggingFaceFiles.ShardIndex, TokenizerFiles.Llama2CFileName, TokenizerFiles.SentencePieceFileName];
        foreach (var (input, role) in new[] { (checkpointPath, "the checkpoint"), (tokenizerPath, "the tokenizer") })
        {
            OutputPaths.RefuseInput(outputFolder, input, role);
            var inputName = Path.GetFileName(input);
            foreach (var name in HuggingFaceFiles.IsShard(inputName) ? [.. written, inputName] : written)
            {
                OutputPaths.RefuseInput(Path.Combine(outputFolder, name), input, role);
            }
        }
    }
}
