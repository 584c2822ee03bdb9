using System.Text.Json;
using Qllm.Engine.Evaluation;
using Qllm.Engine.Loading;
using static TorchSharp.torch;

namespace Qllm.Tool.Tests.Commands.Eval;

public sealed class EvalCommandTests
{
    [Fact]
    public async Task Json_output_has_the_contract_fields_and_a_model_agrees_with_itself()
    {
        var run = await QllmRun.InvokeAsync("eval", TestData.ModelPath, "--text", TestData.EvaluationTextPath, "--reference", TestData.ModelPath, "--max-windows", "4", "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(TestData.ModelPath, root.GetProperty("model").GetString());
        Assert.Equal(TestData.EvaluationTextPath, root.GetProperty("text").GetString());
        Assert.Equal(4, root.GetProperty("windows").GetInt32());
        Assert.Equal(4 * 255, root.GetProperty("tokens").GetInt64());

        // The engine's perplexity of the same 4 windows, one after the other, computed here.
        using var loaded = ModelLoader.Load(TestData.ModelPath, null, CPU);
        var engine = PerplexityEvaluator.Evaluate(loaded.Model, loaded.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath)), loaded.Tokenizer.BosId, maxWindows: 4);
        Assert.Equal(engine.Perplexity, root.GetProperty("perplexity").GetDouble(), tolerance: engine.Perplexity * 1e-9);
        Assert.Equal(0, root.GetProperty("meanKl").GetDouble(), 6);
        Assert.Equal(1, root.GetProperty("top1Agreement").GetDouble());
    }

    [Fact]
    public async Task Without_a_reference_the_fidelity_fields_are_absent()
    {
        var run = await QllmRun.InvokeAsync("eval", TestData.ModelPath, "--text", TestData.EvaluationTextPath, "--max-windows", "1", "--json");
        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.False(json.RootElement.TryGetProperty("meanKl", out _));
        Assert.False(json.RootElement.TryGetProperty("top1Agreement", out _));
    }

    [Fact]
    public async Task A_missing_text_is_an_input_error()
    {
        var run = await QllmRun.InvokeAsync("eval", TestData.ModelPath, "--text", "/nonexistent/eval.txt");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("/nonexistent/eval.txt: error QLLM2001", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_without_text_is_a_bad_command_line()
    {
        var run = await QllmRun.InvokeAsync("eval", TestData.ModelPath);
        Assert.Equal(2, run.ExitCode);
    }
}
