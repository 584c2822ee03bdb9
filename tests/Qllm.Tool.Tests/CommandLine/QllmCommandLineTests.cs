namespace Qllm.Tool.Tests.CommandLine;

public sealed class QllmCommandLineTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("quantize", "--help")]
    [InlineData("inspect", "--help")]
    [InlineData("cache", "trim", "--help")]
    [InlineData("cache", "ls", "--help")]
    [InlineData("cache", "--help")]
    [InlineData("generate", "--help")]
    [InlineData("eval", "--help")]
    [InlineData("convert", "--help")]
    [InlineData("setup", "-h")]
    public async Task Help_works_on_every_command_even_without_its_required_options(params string[] args)
    {
        var run = await QllmRun.InvokeAsync(args);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task The_root_help_says_what_the_default_recipe_does()
    {
        var run = await QllmRun.InvokeAsync("--help");
        Assert.Contains("Hadamard", run.Output, StringComparison.Ordinal);
        Assert.Contains("GPTQ", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("QLLM (channel reassembly + low-rank error correction)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_help_of_inspect_names_its_argument_and_json()
    {
        var run = await QllmRun.InvokeAsync("inspect", "--help");
        // The root is named after the host process, testhost here.
        Assert.Contains(" inspect <ARTIFACT> [options]", run.Output, StringComparison.Ordinal);
        Assert.Contains("--json", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_required_option_is_one_clean_line_and_exit_code_2()
    {
        var run = await QllmRun.InvokeAsync("cache", "trim");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"qllm: error QLLM1000: Option '--max-size' is required; see `qllm --help`{Environment.NewLine}", run.Error);
    }

    [Fact]
    public async Task An_unknown_command_is_a_bad_command_line()
    {
        var run = await QllmRun.InvokeAsync("inspekt", "x.qllm");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("qllm: error QLLM1000: ", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".;", run.Error, StringComparison.Ordinal);
    }
}
