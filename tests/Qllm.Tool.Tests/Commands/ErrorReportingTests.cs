
namespace Qllm.Tool.Tests.Commands;

public sealed class ErrorReportingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-cli-").FullName;

    [Fact]
    public async Task A_missing_model_is_one_canonical_line_without_a_stack_trace()
    {
        var model = Path.Combine(_folder, "absent.bin");
        var run = await QllmRun.InvokeAsync("generate", model);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{model}: error QLLM2001: ", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_truncated_checkpoint_names_the_file()
    {
        var model = Path.Combine(_folder, "stories15M.bin");
        File.WriteAllBytes(model, File.ReadAllBytes(TestData.ModelPath)[..5_000_000]);
        File.Copy(TestData.TokenizerPath, Path.Combine(_folder, "tokenizer.bin"));
        var run = await QllmRun.InvokeAsync("eval", model, "--text", TestData.EvaluationTextPath);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{model}: error QLLM2002: the llama2.c checkpoint is truncated", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_tokenizer_says_how_to_provide_one()
    {
        var model = Path.Combine(_folder, "alone.bin");
        File.Copy(TestData.ModelPath, model);
        var run = await QllmRun.InvokeAsync("generate", model);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM2005", run.Error, StringComparison.Ordinal);
        Assert.Contains("--tokenizer", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_for_cuda_without_a_cuda_libtorch_says_why()
    {
        var run = await QllmRun.InvokeAsync("generate", TestData.ModelPath, "--device", "cuda");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM3002: CUDA was asked for but is not available", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_libtorch_folder_without_libtorch_is_refused()
    {
        var run = await QllmRun.InvokeAsync("generate", TestData.ModelPath, "--libtorch", _folder);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM3001", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
