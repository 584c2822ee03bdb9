using Qllm.Artifacts.Schema;
using Qllm.Core.Errors;
using Qllm.Engine.Loading.HuggingFace;

namespace Qllm.Engine.Tests.Families;

/// <summary>What each family's config.json becomes, and what stays refused.</summary>
public sealed class FamilyConfigTests
{
    [Fact]
    public void Llama_3_2_records_its_llama3_rope_scaling_and_tied_embeddings()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Llama32, "config.json");

        Assert.Equal(new RopeScaling(32, 1, 4, 8192), config.RopeScaling);
        Assert.True(config.TiedEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
        Assert.Equal(131072, config.SeqLen);
        Assert.Equal(500000, config.RopeTheta);
    }

    [Fact]
    public void Qwen2_has_qkv_biases_without_saying_so_and_its_window_off()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Qwen25, "config.json");

        Assert.True(config.AttentionBias);
        Assert.Equal(1e6, config.RopeTheta);
        Assert.True(config.TiedEmbeddings);
        Assert.Null(config.SlidingWindow); // use_sliding_window is false
        Assert.Equal(32768, config.SeqLen);
        Assert.Null(config.RopeScaling);
    }

    [Fact]
    public void Qwen2_with_its_sliding_window_on_is_capped_at_the_window()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Qwen25.Replace("\"use_sliding_window\": false", "\"use_sliding_window\": true", StringComparison.Ordinal).Replace("\"sliding_window\": 32768", "\"sliding_window\": 4096", StringComparison.Ordinal), "config.json");

        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(4096, config.SeqLen);
    }

    [Fact]
    public void Mistral_context_is_capped_at_its_sliding_window()
    {
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Mistral, "config.json");

        Assert.Equal(4096, config.SlidingWindow);
        Assert.Equal(4096, config.SeqLen); // max_position_embeddings is 32768
        Assert.False(config.TiedEmbeddings);
        Assert.False(config.AttentionBias);
    }

    [Fact]
    public void Mistral_without_a_window_keeps_its_whole_context()
    {
        // Mistral-7B-Instruct-v0.2 and later ship "sliding_window": null.
        var config = HuggingFaceConfigReader.Parse(FamilyFolders.Mistral.Replace("\"sliding_window\": 4096", "\"sliding_window\": null", StringComparison.Ordinal), "config.json");

        Assert.Null(config.SlidingWindow);
        Assert.Equal(32768, config.SeqLen);
    }

    [Fact]
    public void Written_configs_of_each_family_read_back_equal()
    {
        foreach (var json in (string[])[FamilyFolders.Llama32, FamilyFolders.Qwen25, FamilyFolders.Mistral])
        {
            var config = HuggingFaceConfigReader.Parse(json, "config.json");
            var written = System.Text.Encoding.UTF8.GetString(HuggingFaceConfigWriter.Encode(config, "float32"));
            Assert.Equal(config, HuggingFaceConfigReader.Parse(written, "config.json"));
        }
    }

    [Theory]
    [InlineData("Qwen3ForCausalLM", "qwen3")]
    [InlineData("GemmaForCausalLM", "gemma")]
    [InlineData("Gemma2ForCausalLM", "gemma2")]
    [InlineData("PhiForCausalLM", "phi")]
    [InlineData("Phi3ForCausalLM", "phi3")]
    public void Other_families_keep_the_clear_refusal(string architecture, string modelType)
    {
        var json = FamilyFolders.Qwen25.Replace("Qwen2ForCausalLM", architecture, StringComparison.Ordinal).Replace("\"qwen2\"", $"\"{modelType}\"", StringComparison.Ordinal);

        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Parse(json, "dir/config.json"));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Equal("dir/config.json", error.File);
        Assert.Contains(modelType, error.Problem, StringComparison.Ordinal);
        Assert.Contains("Qwen2ForCausalLM", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 32768", "yarn")]
    [InlineData("\"type\": \"linear\", \"factor\": 2.0", "linear")]
    [InlineData("\"rope_type\": \"dynamic\", \"factor\": 2.0", "dynamic")]
    [InlineData("\"rope_type\": \"llama3\", \"factor\": 32.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192", "low_freq_factor")]
    [InlineData("\"rope_type\": \"llama3\", \"factor\": 32.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192", "high_freq_factor > low_freq_factor")]
    public void Other_or_incomplete_rope_scalings_are_refused(string scaling, string named)
    {
        var start = FamilyFolders.Llama32.IndexOf("\"rope_scaling\"", StringComparison.Ordinal);
        var end = FamilyFolders.Llama32.IndexOf('}', start);
        var json = string.Concat(FamilyFolders.Llama32.AsSpan(0, start), $"\"rope_scaling\": {{{scaling}}}", FamilyFolders.Llama32.AsSpan(end + 1));

        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Parse(json, "config.json"));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains(named, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Llama_with_attention_bias_stays_refused()
    {
        // LLaMA's attention_bias also puts a bias on o_proj, which the artifact has no place for.
        var json = FamilyFolders.Llama32.Replace("\"attention_bias\": false", "\"attention_bias\": true", StringComparison.Ordinal);

        var error = Assert.Throws<QllmException>(() => HuggingFaceConfigReader.Parse(json, "config.json"));

        Assert.Equal(ErrorCodes.BadModelConfig, error.Code);
        Assert.Contains("attention_bias", error.Problem, StringComparison.Ordinal);
    }
}
