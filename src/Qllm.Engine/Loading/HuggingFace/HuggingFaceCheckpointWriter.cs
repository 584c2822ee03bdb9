using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.SafeTensors;
using Qllm.Core.Errors;
using Qllm.Core.IO;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>
/// Writes a <see cref="LlamaCheckpoint"/> as a Hugging Face LLaMA folder: config.json plus
/// model.safetensors, or shards and model.safetensors.index.json.
/// </summary>
public static class HuggingFaceCheckpointWriter
{
    /// <summary>What transformers requires in a safetensors file's metadata to load it as PyTorch weights.</summary>
    private static readonly Dictionary<string, string> Metadata = new(StringComparer.Ordinal) { ["format"] = "pt" };

    /// <summary>
    /// Writes <paramref name="checkpoint"/> into <paramref name="folder"/> (created if needed). Tensors are
    /// written as given: their q/k rows must already be in Hugging Face's half-split RoPE order, which
    /// the checkpoint's <see cref="LlamaConfig.RopeLayout"/> must state.
    /// </summary>
    /// <param name="checkpoint">The model to write; not modified or disposed.</param>
    /// <param name="folder">The folder to write into; earlier weight files there are replaced.</param>
    /// <param name="dtype"><see cref="ScalarType.Float32"/>, <see cref="ScalarType.Float16"/> or <see cref="ScalarType.BFloat16"/>.</param>
    /// <param name="maxShardBytes">
    /// The most tensor bytes per shard, or null for one file. A tensor larger than this gets a shard to
    /// itself; when everything fits in one shard, model.safetensors is written without an index.
    /// </param>
    /// <exception cref="QllmException">The folder or a file cannot be written (<see cref="ErrorCodes.OutputNotWritable"/>).</exception>
    public static void Write(LlamaCheckpoint checkpoint, string folder, ScalarType dtype = ScalarType.Float32, long? maxShardBytes = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var torchDtype = dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.Float16 => "float16",
            ScalarType.BFloat16 => "bfloat16",
            _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Hugging Face folders are written in Float32, Float16 or BFloat16."),
        };
        if (maxShardBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "A shard must be allowed at least one byte.");
        }

        // Writing interleaved q/k rows under a Hugging Face config would give a folder that loads and
        // silently computes the wrong thing.
        if (checkpoint.Config.RopeLayout != RopeLayout.HalfSplit)
        {
            throw new ArgumentException("Permute q/k rows to RopeLayout.HalfSplit before writing a Hugging Face folder.", nameof(checkpoint));
        }

        CreateFolder(folder);
        var shards = PlanShards(checkpoint, dtype, maxShardBytes);
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (shards.Count == 1)
        {
            WriteShard(checkpoint, shards[0].Names, Path.Combine(folder, HuggingFaceFiles.SingleWeights), dtype);
            written.Add(HuggingFaceFiles.SingleWeights);
        }
        else
        {
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < shards.Count; i++)
            {
                var fileName = HuggingFaceFiles.Shard(i + 1, shards.Count);
                WriteShard(checkpoint, shards[i].Names, Path.Combine(folder, fileName), dtype);
                written.Add(fileName);
                foreach (var name in shards[i].Names)
                {
                    weightMap.Add(name, fileName);
                }
            }

            var index = HuggingFaceShardIndex.Encode(weightMap, shards.Sum(s => s.Bytes));
            AtomicFile.Write(Path.Combine(folder, HuggingFaceFiles.ShardIndex), stream => stream.Write(index));
            written.Add(HuggingFaceFiles.ShardIndex);
        }

        RemoveStaleWeights(folder, written);
        var config = HuggingFaceConfigWriter.Encode(checkpoint.Config, torchDtype);
        AtomicFile.Write(Path.Combine(folder, HuggingFaceFiles.Config), stream => stream.Write(config));
    }

    /// <summary>Groups the tensors, in the order the model runs them, into shards of at most <paramref name="maxShardBytes"/>.</summary>
    private static List<(List<string> Names, long Bytes)> PlanShards(LlamaCheckpoint checkpoint, ScalarType dtype, long? maxShardBytes)
    {
        var layoutOrder = LlamaTensorLayout.Expected(checkpoint.Config).Select(t => t.Name).ToList();
        var ordered = layoutOrder.Where(checkpoint.Tensors.ContainsKey)
            .Concat(checkpoint.Tensors.Keys.Except(layoutOrder, StringComparer.Ordinal).Order(StringComparer.Ordinal));

        var shards = new List<(List<string> Names, long Bytes)> { ([], 0) };
        foreach (var name in ordered)
        {
            var tensor = checkpoint.Tensors[name];
            var bytes = tensor.numel() * SafeTensorsDTypes.SizeOf(tensor.is_floating_point() ? dtype : tensor.dtype);
            var current = shards[^1];
            if (maxShardBytes is { } max && current.Names.Count > 0 && current.Bytes + bytes > max)
            {
                shards.Add(([name], bytes));
            }
            else
            {
                current.Names.Add(name);
                shards[^1] = (current.Names, current.Bytes + bytes);
            }
        }

        return shards;
    }

    private static void WriteShard(LlamaCheckpoint checkpoint, List<string> names, string path, ScalarType dtype)
    {
        var tensors = names.ToDictionary(name => name, name => checkpoint.Tensors[name], StringComparer.Ordinal);
        SafeTensorsWriter.Write(path, tensors, dtype, Metadata);
    }

    private static void CreateFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.OutputNotWritable, folder, $"the output folder cannot be created ({e.Message})", "choose a folder you can write to", e);
        }
    }

    /// <summary>
    /// Removes weight files of an earlier write that this one did not replace: a leftover index or
    /// model.safetensors would make readers load the old weights instead of the new ones.
    /// </summary>
    private static void RemoveStaleWeights(string folder, HashSet<string> written)
    {
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var fileName = Path.GetFileName(path);
            var isWeightFile = fileName is HuggingFaceFiles.SingleWeights or HuggingFaceFiles.ShardIndex || HuggingFaceFiles.IsShard(fileName);
            if (!isWeightFile || written.Contains(fileName))
            {
                continue;
            }

            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new QllmException(ErrorCodes.OutputNotWritable, path, $"an earlier model file cannot be removed ({e.Message})", "remove it by hand or write to an empty folder", e);
            }
        }
    }
}
