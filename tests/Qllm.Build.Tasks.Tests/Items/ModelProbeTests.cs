using Qllm.Build.Tasks.Items;

namespace Qllm.Build.Tasks.Tests.Items;

public sealed class ModelProbeTests
{
    [Fact]
    public void The_real_stories15M_checkpoint_is_llama() => Assert.Null(ModelProbe.WhyNotLlama(SetupData.ModelPath));

    [Fact]
    public void A_truncated_checkpoint_is_not()
    {
        using var folder = new TemporaryFolder();
        var truncated = folder.File("truncated.bin");
        using (var source = File.OpenRead(SetupData.ModelPath))
        using (var target = File.Create(truncated))
        {
            var buffer = new byte[1 << 20];
            source.ReadExactly(buffer);
            target.Write(buffer);
        }

        Assert.Contains("would be 60816028 bytes", ModelProbe.WhyNotLlama(truncated), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_a_random_header_is_not()
    {
        using var folder = new TemporaryFolder();
        File.WriteAllBytes(folder.File("noise.bin"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))]);
        Assert.Contains("header", ModelProbe.WhyNotLlama(folder.File("noise.bin")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}""", true)]
    [InlineData("""{"architectures": ["LlamaForCausalLM"]}""", true)]
    [InlineData("""{"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}""", true)]
    [InlineData("""{"model_type": "mistral", "architectures": ["MistralForCausalLM"]}""", true)]
    [InlineData("""{"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"]}""", false)]
    [InlineData("""{"model_type": "gemma", "architectures": ["GemmaForCausalLM"]}""", false)]
    [InlineData("""{"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"]}""", false)]
    [InlineData("""{"model_type": """, false)]
    public void A_hugging_face_folder_is_llama_when_its_config_says_so(string config, bool llama)
    {
        using var folder = new TemporaryFolder();
        File.WriteAllText(folder.File("config.json"), config);
        Assert.Equal(llama, ModelProbe.WhyNotLlama(folder.Path) is null);
    }

    [Fact]
    public void A_folder_without_config_json_is_not_a_model()
    {
        using var folder = new TemporaryFolder();
        Assert.Contains("config.json", ModelProbe.WhyNotLlama(folder.Path), StringComparison.Ordinal);
    }
}
