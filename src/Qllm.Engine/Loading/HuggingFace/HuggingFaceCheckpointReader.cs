using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading;
using Qllm.Engine.SafeTensors;
using Qllm.Core.Errors;
using static TorchSharp.torch;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>
/// Reads a Hugging Face LLaMA folder (config.json plus model.safetensors, or shards listed in
/// model.safetensors.index.json) into a float32 <see cref="LlamaCheckpoint"/>.
/// </summary>
public static class HuggingFaceCheckpointReader
{
    private const string RotaryBufferSuffix = "rotary_emb.inv_freq";

    /// <summary>Reads the model in <paramref name="folder"/>.</summary>
    /// <exception cref="QllmException">
    /// The folder or a file is missing (<see cref="ErrorCodes.InputNotFound"/>), config.json is malformed or
    /// not LLaMA (<see cref="ErrorCodes.BadModelConfig"/>), a safetensors file is malformed
    /// (<see cref="ErrorCodes.BadSafeTensors"/>), or a tensor is missing, unexpected, misshapen or not finite
    /// (<see cref="ErrorCodes.BadWeights"/>).
    /// </exception>
    public static LlamaCheckpoint Read(string folder) => Read(folder, deferLinears: false);

    /// <summary>
    /// Reads the model in <paramref name="folder"/>; with <paramref name="deferLinears"/>, the decoder
    /// layers' linears stay in their files (<see cref="LlamaCheckpoint.Deferred"/>), checked for finite
    /// values now, read when their layer is loaded.
    /// </summary>
    internal static LlamaCheckpoint Read(string folder, bool deferLinears)
    {
        if (!Directory.Exists(folder))
        {
            throw new QllmException(ErrorCodes.InputNotFound, folder, "the model folder does not exist", "check the path");
        }

        var config = HuggingFaceConfigReader.Read(Path.Combine(folder, HuggingFaceFiles.Config));
        var expected = LlamaTensorLayout.Expected(config);
        var readers = new Dictionary<string, SafeTensorsReader>(StringComparer.Ordinal);
        try
        {
            var (locations, mapFile) = Locate(folder, readers);
            CheckNames(config, expected, locations, mapFile);
            foreach (var file in locations.Values.Distinct())
            {
                if (!readers.ContainsKey(file))
                {
                    readers.Add(file, SafeTensorsReader.Open(file));
                }
            }

            // Every header is checked before any data is read, so a bad last shard fails fast.
            foreach (var tensor in expected)
            {
                CheckStored(tensor, readers[locations[tensor.Name]]);
            }

            if (!deferLinears)
            {
                return new LlamaCheckpoint(config, ReadTensors(expected, locations, readers), folder);
            }

            var linears = Enumerable.Range(0, config.Layers).SelectMany(l => TensorNames.LayerLinears.Select(name => TensorNames.Linear(l, name))).ToHashSet(StringComparer.Ordinal);
            var deferred = new DeferredTensors(linears.ToDictionary(name => name, name => readers[locations[name]], StringComparer.Ordinal), [.. readers.Values]);
            var files = new Dictionary<string, SafeTensorsReader>(readers, StringComparer.Ordinal);
            readers.Clear(); // owned by deferred from here on
            try
            {
                deferred.RequireFinite();
                return new LlamaCheckpoint(config, ReadTensors([.. expected.Where(t => !linears.Contains(t.Name))], locations, files), folder, deferred);
            }
            catch
            {
                deferred.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var reader in readers.Values)
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Where each stored tensor is (name to file path), and the file that says so.</summary>
    private static (Dictionary<string, string> Locations, string MapFile) Locate(string folder, Dictionary<string, SafeTensorsReader> readers)
    {
        var indexPath = Path.Combine(folder, HuggingFaceFiles.ShardIndex);
        if (File.Exists(indexPath))
        {
            var weightMap = HuggingFaceShardIndex.Read(indexPath);
            var locations = weightMap.ToDictionary(pair => pair.Key, pair => Path.Combine(folder, pair.Value), StringComparer.Ordinal);
            foreach (var shard in locations.Values.Distinct())
            {
                if (!File.Exists(shard))
                {
                    throw new QllmException(ErrorCodes.InputNotFound, shard, $"the shard named by {HuggingFaceFiles.ShardIndex} does not exist", "fetch or export the model again, with all its shards");
                }
            }

            return (locations, indexPath);
        }

        var singlePath = Path.Combine(folder, HuggingFaceFiles.SingleWeights);
        if (!File.Exists(singlePath))
        {
            throw new QllmException(
                ErrorCodes.InputNotFound,
                folder,
                $"the model folder holds neither {HuggingFaceFiles.SingleWeights} nor {HuggingFaceFiles.ShardIndex}",
                "only safetensors weights are read (not pytorch_model.bin); save the model with safe_serialization");
        }

        var reader = SafeTensorsReader.Open(singlePath);
        readers.Add(singlePath, reader);
        return (reader.Tensors.Keys.ToDictionary(name => name, _ => singlePath, StringComparer.Ordinal), singlePath);
    }

    private static void CheckNames(LlamaConfig config, IReadOnlyList<ExpectedTensor> expected, Dictionary<string, string> locations, string mapFile)
    {
        var expectedNames = expected.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in expected)
        {
            if (!locations.ContainsKey(tensor.Name))
            {
                throw new QllmException(ErrorCodes.BadWeights, mapFile, $"tensor '{tensor.Name}' is missing", "the model is incomplete or does not match its config.json; fetch or export it again");
            }
        }

        foreach (var name in locations.Keys.Where(name => !expectedNames.Contains(name)).ToList())
        {
            // Old exports saved RoPE's frequency buffer, which is derived from config.json, and tied models
            // may still store their classifier; neither carries information the model needs.
            if (name.EndsWith(RotaryBufferSuffix, StringComparison.Ordinal)
                || (config.TiedEmbeddings && name == TensorNames.Classifier))
            {
                locations.Remove(name);
                continue;
            }

            throw new QllmException(
                ErrorCodes.BadWeights,
                locations[name],
                $"tensor '{name}' is not part of a LLaMA model as config.json describes it",
                "this engine runs plain LLaMA models; the model has parts (biases, extra layers) it cannot run, or config.json does not match the weights");
        }
    }

    private static void CheckStored(ExpectedTensor tensor, SafeTensorsReader reader)
    {
        if (!reader.Tensors.TryGetValue(tensor.Name, out var info))
        {
            throw new QllmException(ErrorCodes.BadWeights, reader.Path, $"tensor '{tensor.Name}' is missing from the shard the index names", "the sharded model is damaged; fetch or export it again");
        }

        if (!info.Shape.SequenceEqual(tensor.Shape))
        {
            throw new QllmException(
                ErrorCodes.BadWeights,
                reader.Path,
                $"tensor '{tensor.Name}' has shape [{string.Join(", ", info.Shape)}] where config.json implies [{string.Join(", ", tensor.Shape)}]",
                "the weights do not match config.json; fetch or export the model again");
        }

        if (!is_floating_point(info.ElementType))
        {
            throw new QllmException(
                ErrorCodes.BadWeights,
                reader.Path,
                $"tensor '{tensor.Name}' is stored as {info.DType}; unquantized LLaMA weights are F32, F16 or BF16",
                "use an unquantized Hugging Face model");
        }
    }

    private static Dictionary<string, Tensor> ReadTensors(IReadOnlyList<ExpectedTensor> expected, Dictionary<string, string> locations, Dictionary<string, SafeTensorsReader> readers)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            // File by file, so each shard is read front to back.
            foreach (var group in expected.GroupBy(t => locations[t.Name]))
            {
                var reader = readers[group.Key];
                foreach (var tensor in group)
                {
                    var value = reader.Read(tensor.Name, ScalarType.Float32);
                    tensors.Add(tensor.Name, value);
                    if (!AllFinite(value))
                    {
                        throw new QllmException(ErrorCodes.BadWeights, reader.Path, $"tensor '{tensor.Name}' holds NaN or infinite values", "the model is damaged; fetch or export it again");
                    }
                }
            }

            return tensors;
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
    }

    private static bool AllFinite(Tensor tensor)
    {
        using var finite = isfinite(tensor);
        using var all = finite.all();
        return all.item<bool>();
    }
}
