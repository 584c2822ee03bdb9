using System.Text.Json;

namespace Qllm.Tool.Tests.Commands.Quantize;

public sealed class QuantizeCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-quantize-cli-").FullName;

    [Fact]
    public async Task A_quantized_artifact_runs_through_eval_and_generate_and_damage_is_detected()
    {
        var artifact = Path.Combine(_folder, "out", "stories15M-w4a16.qllm");
        var quantize = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", artifact, "--preset", "W4A16", "--method", "rtn", "--rotation", "none", "--weight-rounding", "nearest", "--samples", "2", "--json");
        Assert.Equal(0, quantize.ExitCode);
        using (var report = JsonDocument.Parse(quantize.Output))
        {
            Assert.Equal(artifact, report.RootElement.GetProperty("output").GetString());
            Assert.Equal(new FileInfo(artifact).Length, report.RootElement.GetProperty("bytes").GetInt64());
            Assert.True(report.RootElement.GetProperty("peakMemoryBytes").GetInt64() > 0);
            Assert.Equal("rtn", report.RootElement.GetProperty("method").GetString());
            Assert.Equal("none", report.RootElement.GetProperty("rotation").GetString());
            Assert.Equal("nearest", report.RootElement.GetProperty("weightRounding").GetString());
        }

        Assert.Contains("no calibration pass", quantize.Error, StringComparison.Ordinal);
        // eval scores the artifact with Qllm.Runtime; --engine torch with the engine: the same numbers.
        var eval = await QllmRun.InvokeAsync("eval", artifact, "--text", TestData.EvaluationTextPath, "--reference", TestData.ModelPath, "--max-windows", "2", "--json");
        Assert.Equal(0, eval.ExitCode);
        Assert.Contains("Qllm.Runtime", eval.Error, StringComparison.Ordinal);
        var engineEval = await QllmRun.InvokeAsync("eval", artifact, "--text", TestData.EvaluationTextPath, "--reference", TestData.ModelPath, "--max-windows", "2", "--json", "--engine", "torch");
        using (var report = JsonDocument.Parse(eval.Output))
        using (var engineReport = JsonDocument.Parse(engineEval.Output))
        {
            Assert.InRange(report.RootElement.GetProperty("top1Agreement").GetDouble(), 0.5, 1.0); // weight-only 4-bit keeps most of the model
            double perplexity = report.RootElement.GetProperty("perplexity").GetDouble();
            Assert.Equal(engineReport.RootElement.GetProperty("perplexity").GetDouble(), perplexity, perplexity * 1e-5);
            Assert.Equal(engineReport.RootElement.GetProperty("top1Agreement").GetDouble(), report.RootElement.GetProperty("top1Agreement").GetDouble());
        }

        // generate runs the artifact through Qllm.Runtime; --engine torch gives the engine's text.
        var generate = await QllmRun.InvokeAsync("generate", artifact, "--prompt", "Once upon a time", "--max-tokens", "20");
        Assert.Equal(0, generate.ExitCode);
        Assert.StartsWith("Once upon a time", generate.Output, StringComparison.Ordinal);
        Assert.Contains("Qllm.Runtime", generate.Error, StringComparison.Ordinal);
        var torch = await QllmRun.InvokeAsync("generate", artifact, "--prompt", "Once upon a time", "--max-tokens", "20", "--engine", "torch");
        Assert.Equal(generate.Output, torch.Output);

        var bytes = File.ReadAllBytes(artifact);
        var flipped = Path.Combine(_folder, "flipped.qllm");
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(flipped, bytes);
        var truncated = Path.Combine(_folder, "truncated.qllm");
        File.WriteAllBytes(truncated, File.ReadAllBytes(artifact)[..^1000]);
        var newer = Path.Combine(_folder, "newer.qllm");
        bytes = File.ReadAllBytes(artifact);
        bytes[8] = 2; // format version 2
        File.WriteAllBytes(newer, bytes);
        foreach (var damaged in new[] { flipped, truncated, newer })
        {
            var run = await QllmRun.InvokeAsync("eval", damaged, "--text", TestData.EvaluationTextPath);
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"{damaged}: error QLLM2011", run.Error, StringComparison.Ordinal);
            var runtime = await QllmRun.InvokeAsync("generate", damaged);
            Assert.Equal(1, runtime.ExitCode);
            Assert.StartsWith($"{damaged}: error QLLM2011", runtime.Error, StringComparison.Ordinal);
            Assert.Empty(runtime.Output);
        }
    }

    [Theory]
    [InlineData("--bits", "9")]
    [InlineData("--bits", "1")]
    [InlineData("--activation-bits", "12")]
    [InlineData("--preset", "W3A3")]
    [InlineData("--method", "gptq")]
    [InlineData("--rotation", "givens")]
    [InlineData("--weight-rounding", "awq")]
    [InlineData("--rank", "0")]
    [InlineData("--batch-size", "0")]
    public async Task Impossible_settings_are_a_bad_command_line(string option, string value)
    {
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", Path.Combine(_folder, "x.qllm"), option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.False(File.Exists(Path.Combine(_folder, "x.qllm")));
    }

    [Fact]
    public async Task A_preset_and_explicit_bits_together_are_refused()
    {
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", Path.Combine(_folder, "x.qllm"), "--preset", "W4A4", "--bits", "4");
        Assert.Equal(2, run.ExitCode);
    }

    [Fact]
    public async Task A_calibration_text_shorter_than_one_sample_is_a_coded_error()
    {
        var text = Path.Combine(_folder, "short.txt");
        File.WriteAllText(text, "Once upon a time there was a cat.");
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", text, "--output", Path.Combine(_folder, "x.qllm"));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{text}: error QLLM2008", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "x.qllm")));
    }

    [Fact]
    public async Task A_missing_calibration_text_is_an_input_error()
    {
        var text = Path.Combine(_folder, "absent.txt");
        var run = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", text, "--output", Path.Combine(_folder, "x.qllm"));
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{text}: error QLLM2001", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
