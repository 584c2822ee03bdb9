
namespace Qllm.Tool.Tests.Commands;

public sealed class GenerateCommandTests
{
    internal const string KnownStory =
        "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine. One day, she saw a big, red ball in the sky. It was the sun! She thought it was so pretty.";

    [Fact]
    public async Task Greedy_generation_from_the_llama2c_checkpoint_prints_the_known_story()
    {
        var run = await QllmRun.InvokeAsync("generate", TestData.ModelPath, "--prompt", "Once upon a time", "--max-tokens", "60", "--device", "cpu");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith(KnownStory, run.Output, StringComparison.Ordinal);
        Assert.Matches(@"prompt: [0-9]+ tokens, [0-9.]+ tokens/s, first token after [0-9]+ ms; decode: [0-9.]+ tokens/s", run.Error);
        Assert.DoesNotContain("tokens/s", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_is_reproducible_for_a_seed_and_varies_across_seeds()
    {
        string[] Args(string seed) => ["generate", TestData.ModelPath, "--temperature", "1", "--max-tokens", "24", "--seed", seed];
        var first = await QllmRun.InvokeAsync(Args("7"));
        var again = await QllmRun.InvokeAsync(Args("7"));
        var other = await QllmRun.InvokeAsync(Args("8"));
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Output, again.Output);
        Assert.NotEqual(first.Output, other.Output);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_a_clear_error()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("story", 300));
        var run = await QllmRun.InvokeAsync("generate", TestData.ModelPath, "--prompt", prompt);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM5001", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData("--max-tokens", "0")]
    [InlineData("--top-p", "1.5")]
    [InlineData("--device", "tpu")]
    [InlineData("--no-such-option", "1")]
    public async Task A_bad_command_line_exits_with_2(string option, string value)
    {
        var run = await QllmRun.InvokeAsync("generate", TestData.ModelPath, option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error QLLM1000", run.Error, StringComparison.Ordinal);
    }
}
