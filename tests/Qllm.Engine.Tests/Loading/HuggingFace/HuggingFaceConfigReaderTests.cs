using Qllm.Artifacts.Schema;
using Qllm.Engine.Loading.HuggingFace;
using Qllm.Engine.Loading;
using Qllm.Core.Errors;

namespace Qllm.Engine.Tests.Loading.HuggingFace;

public sealed class HuggingFaceConfigReaderTests
{
    // Llama 3 8B's shape without its rope_scaling: GQA with 32 query heads over 8 kv heads.
    private const string GqaConfig = """
        {
          "architectures": ["LlamaForCausalLM"],
          "model_type": "llama",
          "hidden_act": "silu",
          "hidden_size": 4096,
          "intermediate_size": 14336,
          "num_hidden_layers": 32,
          "num_attention_heads": 32,
          "num_key_value_heads": 8,
          "vocab_size": 128256,
          "max_position_embeddings": 8192,
          "rms_norm_eps": 1e-05,
          "rope_theta": 500000.0,
          "rope_scaling": null,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16"
        }
        """;

    [Fact]
    public void Grouped_query_config_is_read()
    {
        var config = HuggingFaceConfigReader.Parse(GqaConfig, "config.json");

        Assert.Equal(new LlamaConfig(4096, 14336, 32, 32, 8, 128256, 8192, 1e-5, 500000, false, RopeLayout.HalfSplit), config);
        Assert.Equal(128, config.HeadDim);
        Assert.Equal(1024, config.KvDim);
    }

    [Fact]
    public void Optional_fields_take_transformers_defaults()
    {
        var json = """
            {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "vocab_size": 100, "max_position_embeddings": 256, "rms_norm_eps": 1e-6}
            """;

        var config = HuggingFaceConfigReader.Parse(json, "config.json");

        Assert.Equal(4, config.KvHeads);
        Assert.Equal(10000, config.RopeTheta);
        Assert.False(config.TiedEmbeddings);
    }

    [Fact]
    public void Written_config_reads_back_equal()
    {
        var config = TinyLlama.Config(tied: true);
        var json = System.Text.Encoding.UTF8.GetString(HuggingFaceConfigWriter.Encode(config, "bfloat16"));

        Assert.Equal(config, HuggingFaceConfigReader.Parse(json, "config.json"));
    }

    [Theory]
    [InlineData("\"architectures\": [\"Qwen3ForCausalLM\"], \"model_type\": \"qwen3\"", "qwen3")]
    [InlineData("\"architectures\": [\"GemmaForCausalLM\"]", "GemmaForCausalLM")]
    [InlineData("\"model_type\": \"gpt2\"", "gpt2")]
    [InlineData("\"hidden_act\": \"gelu\", \"model_type\": \"llama\"", "gelu")]
    public void Other_architectures_are_refused_naming_what_was_found(string identity, string found)
    {
        var error = Reject(Minimal(identity));

        Assert.Contains(found, error.Problem, StringComparison.Ordinal);
        Assert.Contains("LlamaForCausalLM", error.Problem + error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_naming_no_architecture_is_refused() =>
        Assert.Contains("no architecture", Reject(Minimal("\"hidden_act\": \"silu\"")).Problem, StringComparison.Ordinal);

    [Fact]
    public void Rope_scaling_other_than_llama3_is_refused()
    {
        var error = Reject(Minimal("\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 8.0}"));
        Assert.Contains("yarn", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama3_rope_scaling_without_its_factors_is_refused()
    {
        var error = Reject(Minimal("\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}"));
        Assert.Contains("low_freq_factor", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_rope_scaling_is_accepted() =>
        HuggingFaceConfigReader.Parse(Minimal("\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"default\"}"), "config.json");

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("num_attention_heads")]
    [InlineData("rms_norm_eps")]
    public void Missing_field_is_named(string field)
    {
        var json = Minimal("\"model_type\": \"llama\"").Replace($"\"{field}\"", "\"unused\"", StringComparison.Ordinal);
        Assert.Contains(field, Reject(json).Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": -64", "hidden_size")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": \"64\"", "hidden_size")]
    [InlineData("\"hidden_size\": 64", "\"hidden_size\": 66", "multiple")]
    [InlineData("\"num_attention_heads\": 4", "\"num_attention_heads\": 4, \"num_key_value_heads\": 3", "num_key_value_heads")]
    [InlineData("\"rms_norm_eps\": 1e-6", "\"rms_norm_eps\": 0", "rms_norm_eps")]
    [InlineData("\"max_position_embeddings\": 256", "\"max_position_embeddings\": 1e20", "max_position_embeddings")]
    public void Invalid_field_is_named(string valid, string invalid, string named)
    {
        var json = Minimal("\"model_type\": \"llama\"").Replace(valid, invalid, StringComparison.Ordinal);
        Assert.Contains(named, Reject(json).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_json_is_refused() =>
        Assert.Contains("not valid JSON", Reject("{\"model_type\": ").Problem, StringComparison.Ordinal);

    [Fact]
    public void Missing_file_is_reported_as_not_found()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("config.json");

        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Read(path));

        Assert.Equal(ErrorCodes.InputNotFound, error.Code);
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void Errors_name_the_file()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("config.json");
        File.WriteAllText(path, Minimal("\"model_type\": \"gpt2\""));

        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Read(path));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Equal(path, error.File);
    }

    private static string Minimal(string identity) => $$"""
        { {{identity}}, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
          "vocab_size": 100, "max_position_embeddings": 256, "rms_norm_eps": 1e-6 }
        """;

    private static QllmException Reject(string json)
    {
        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Parse(json, "dir/config.json"));
        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Equal("dir/config.json", error.File);
        return error;
    }
}
