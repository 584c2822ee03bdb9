
namespace Qllm.Tool.Tests.Commands;

public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Directory.CreateTempSubdirectory("qllm-convert-cli-").FullName, "stories15M-hf");

    [Fact]
    public async Task The_converted_folder_generates_the_known_story()
    {
        var convert = await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", _folder);
        Assert.Equal(0, convert.ExitCode);
        var run = await QllmRun.InvokeAsync("generate", _folder, "--prompt", "Once upon a time", "--max-tokens", "60");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith(GenerateCommandTests.KnownStory, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_naming_another_architecture_is_refused_with_the_file()
    {
        Assert.Equal(0, (await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", _folder, "--dtype", "f16")).ExitCode);
        var config = Path.Combine(_folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "Qwen3ForCausalLM", StringComparison.Ordinal).Replace("\"llama\"", "\"qwen3\"", StringComparison.Ordinal));
        var run = await QllmRun.InvokeAsync("generate", _folder);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{config}: error QLLM2004", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_safetensors_header_that_lies_about_its_size_is_refused_with_the_file()
    {
        Assert.Equal(0, (await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", _folder, "--dtype", "bf16")).ExitCode);
        var weights = Path.Combine(_folder, "model.safetensors");
        using (var stream = new FileStream(weights, FileMode.Open))
        {
            stream.Write(BitConverter.GetBytes(1L << 60)); // header length: an exabyte
        }

        var run = await QllmRun.InvokeAsync("eval", _folder, "--text", TestData.EvaluationTextPath);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{weights}: error QLLM2003", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_folder)!, recursive: true);
}
