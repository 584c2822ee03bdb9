using System.Text.Json;
using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Loading;
using Qllm.Engine.SafeTensors;
using Qllm.Engine.Tests.SafeTensors;
using Qllm.Core.Errors;
using static TorchSharp.torch;

namespace Qllm.Engine.Tests.Loading.HuggingFace;

public sealed class HuggingFaceCheckpointTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> Dtypes => new() { "F32", "F16", "BF16" };

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void Single_file_folder_reads_back_equal_up_to_the_dtypes_rounding(string dtypeName)
    {
        Assert.True(SafeTensorsDTypes.TryParse(dtypeName, out var dtype));
        using var original = TinyLlama.Create();

        HuggingFaceCheckpointWriter.Write(original, _folder.Path, dtype);
        using var read = HuggingFaceCheckpointReader.Read(_folder.Path);

        Assert.Equal(["config.json", "model.safetensors"], Files());
        AssertSameModel(original, read, dtype);
        using var reader = SafeTensorsReader.Open(_folder.File("model.safetensors"));
        Assert.All(reader.Tensors.Values, info => Assert.Equal(dtypeName, info.DType));
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    [Fact]
    public void Sharded_folder_reads_back_equal()
    {
        using var original = TinyLlama.Create();
        const long maxShardBytes = 3000;

        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.BFloat16, maxShardBytes);
        using var read = HuggingFaceCheckpointReader.Read(_folder.Path);

        AssertSameModel(original, read, ScalarType.BFloat16);
        var shards = Files().Where(HuggingFaceFiles.IsShard).ToList();
        Assert.True(shards.Count > 2, $"expected several shards, got {shards.Count}");
        Assert.Equal(HuggingFaceFiles.Shard(shards.Count, shards.Count), shards[^1]);
        Assert.DoesNotContain("model.safetensors", Files());

        using var index = JsonDocument.Parse(File.ReadAllText(_folder.File("model.safetensors.index.json")));
        var weightMap = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(original.Tensors.Keys.Order(StringComparer.Ordinal), weightMap.Keys.Order(StringComparer.Ordinal));
        var expectedTotal = original.Tensors.Values.Sum(t => t.numel() * 2);
        Assert.Equal(expectedTotal, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
        foreach (var shard in shards)
        {
            using var reader = SafeTensorsReader.Open(_folder.File(shard));
            var bytes = reader.Tensors.Values.Sum(t => t.ByteLength);
            Assert.True(bytes <= maxShardBytes || reader.Tensors.Count == 1, $"{shard} holds {bytes} bytes");
            Assert.All(reader.Tensors.Keys, name => Assert.Equal(shard, weightMap[name]));
        }
    }

    [Fact]
    public void Shard_limit_larger_than_the_model_writes_one_file()
    {
        using var original = TinyLlama.Create();

        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 1L << 30);

        Assert.Equal(["config.json", "model.safetensors"], Files());
    }

    [Fact]
    public void Rewriting_a_folder_removes_the_earlier_layouts_weight_files()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 3000);
        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32);
        Assert.Equal(["config.json", "model.safetensors"], Files());

        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 3000);
        Assert.DoesNotContain("model.safetensors", Files());
        using var read = HuggingFaceCheckpointReader.Read(_folder.Path);
        AssertSameModel(original, read, ScalarType.Float32);
    }

    [Fact]
    public void Config_json_is_what_transformers_expects()
    {
        using var original = TinyLlama.Create(tied: true);

        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.BFloat16);

        using var config = JsonDocument.Parse(File.ReadAllText(_folder.File("config.json")));
        var root = config.RootElement;
        Assert.Equal("LlamaForCausalLM", root.GetProperty("architectures")[0].GetString());
        Assert.Equal("llama", root.GetProperty("model_type").GetString());
        Assert.Equal("bfloat16", root.GetProperty("torch_dtype").GetString());
        Assert.Equal(1, root.GetProperty("bos_token_id").GetInt32());
        Assert.Equal(2, root.GetProperty("eos_token_id").GetInt32());
        Assert.Equal("silu", root.GetProperty("hidden_act").GetString());
        Assert.Equal(2, root.GetProperty("num_key_value_heads").GetInt32());
        Assert.True(root.GetProperty("tie_word_embeddings").GetBoolean());
    }

    [Fact]
    public void Tied_model_drops_a_stored_classifier_and_rotary_buffers()
    {
        using var original = TinyLlama.Create(tied: true);
        HuggingFaceCheckpointWriter.Write(original, _folder.Path);
        using var classifier = randn(32, 16);
        using var invFreq = randn(2);
        RewriteWeights(tensors =>
        {
            tensors[TensorNames.Classifier] = classifier;
            tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = invFreq;
        });

        using var read = HuggingFaceCheckpointReader.Read(_folder.Path);

        Assert.False(read.Tensors.ContainsKey(TensorNames.Classifier));
        AssertSameModel(original, read, ScalarType.Float32);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path);
        const string missing = "model.layers.1.mlp.up_proj.weight";
        RewriteWeights(tensors => tensors.Remove(missing));

        var error = AssertBadWeights("model.safetensors");

        Assert.Contains(missing, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_classifier_of_an_untied_model_is_named()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 3000);
        var indexPath = _folder.File("model.safetensors.index.json");
        var index = File.ReadAllText(indexPath);
        File.WriteAllText(indexPath, index.Replace("\"lm_head.weight\"", "\"lm_head.weight.unused\"", StringComparison.Ordinal));

        var error = Assert.Throws<QllmException>(() => HuggingFaceCheckpointReader.Read(_folder.Path));

        Assert.Equal(ErrorCodes.BadWeights, error.Code);
        Assert.Equal(indexPath, error.File);
        Assert.Contains("'lm_head.weight' is missing", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_is_named()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path);
        using var wrong = randn(16, 16);
        RewriteWeights(tensors => tensors["model.layers.0.self_attn.k_proj.weight"] = wrong);

        var error = AssertBadWeights("model.safetensors");

        Assert.Contains("k_proj", error.Problem, StringComparison.Ordinal);
        Assert.Contains("[8, 16]", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unexpected_tensor_is_refused()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path);
        using var bias = randn(16);
        RewriteWeights(tensors => tensors["model.layers.0.self_attn.q_proj.bias"] = bias);

        Assert.Contains("q_proj.bias", AssertBadWeights("model.safetensors").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_finite_weights_are_refused()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path);
        using var poisoned = original.Tensors[TensorNames.FinalNorm].clone();
        poisoned[3] = float.NaN;
        RewriteWeights(tensors => tensors[TensorNames.FinalNorm] = poisoned);

        Assert.Contains(TensorNames.FinalNorm, AssertBadWeights("model.safetensors").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_shard_is_reported_as_not_found()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 3000);
        var shard = _folder.File(Files().First(HuggingFaceFiles.IsShard));
        File.Delete(shard);

        var error = Assert.Throws<QllmException>(() => HuggingFaceCheckpointReader.Read(_folder.Path));

        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
        Assert.Equal(shard, error.File);
    }

    [Fact]
    public void Index_pointing_outside_the_folder_is_refused()
    {
        using var original = TinyLlama.Create();
        HuggingFaceCheckpointWriter.Write(original, _folder.Path, ScalarType.Float32, maxShardBytes: 3000);
        var indexPath = _folder.File("model.safetensors.index.json");
        File.WriteAllText(indexPath, File.ReadAllText(indexPath).Replace("\"model-00001", "\"../model-00001", StringComparison.Ordinal));

        var error = Assert.Throws<QllmException>(() => HuggingFaceCheckpointReader.Read(_folder.Path));

        Assert.Equal(ErrorCodes.BadWeights, error.Code);
        Assert.Equal(indexPath, error.File);
    }

    [Fact]
    public void Folder_without_weights_is_reported_as_not_found()
    {
        File.WriteAllBytes(_folder.File("config.json"), HuggingFaceConfigWriter.Encode(TinyLlama.Config(tied: false), "float32"));

        var error = Assert.Throws<QllmException>(() => HuggingFaceCheckpointReader.Read(_folder.Path));

        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
        Assert.Equal(_folder.Path, error.File);
    }

    [Fact]
    public void Interleaved_rope_layout_is_not_written_as_a_hugging_face_folder()
    {
        using var original = TinyLlama.Create();
        var interleaved = new LlamaCheckpoint(original.Config with { RopeLayout = RopeLayout.Interleaved }, original.Tensors, "tiny");

        Assert.Throws<ArgumentException>(() => HuggingFaceCheckpointWriter.Write(interleaved, _folder.Path));
        Assert.Empty(Files());
    }

    private List<string> Files() =>
        Directory.GetFiles(_folder.Path).Select(path => Path.GetFileName(path)!).Order(StringComparer.Ordinal).ToList();

    private void RewriteWeights(Action<Dictionary<string, Tensor>> change)
    {
        var path = _folder.File("model.safetensors");
        Dictionary<string, Tensor> tensors;
        using (var reader = SafeTensorsReader.Open(path))
        {
            tensors = reader.ReadAll();
        }

        var owned = tensors.Values.ToList();
        change(tensors);
        SafeTensorsWriter.Write(path, tensors);
        owned.ForEach(t => t.Dispose());
    }

    private QllmException AssertBadWeights(string file)
    {
        var error = Assert.Throws<QllmException>(() => HuggingFaceCheckpointReader.Read(_folder.Path));
        Assert.Equal(ErrorCodes.BadWeights, error.Code);
        Assert.Equal(_folder.File(file), error.File);
        return error;
    }

    private static void AssertSameModel(LlamaCheckpoint expected, LlamaCheckpoint actual, ScalarType dtype)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(
            LlamaTensorLayout.Expected(expected.Config).Select(t => t.Name).Order(StringComparer.Ordinal),
            actual.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in actual.Tensors)
        {
            Assert.Equal(ScalarType.Float32, tensor.dtype);
            using var rounded = expected.Tensors[name].to_type(dtype);
            using var roundedBack = rounded.to_type(ScalarType.Float32);
            TensorAssert.Equal(roundedBack, tensor, name);
        }
    }
}
