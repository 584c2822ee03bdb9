using System.Diagnostics;

namespace Qllm.Tool.Tests.Commands.Quantize;

/// <summary>
/// The memory check (and the memory trace), through the real tool in a child process whose
/// runtime is told it has 512 MiB (DOTNET_GCHeapHardLimit, which the check reads as a container's
/// limit would be read).
/// </summary>
public sealed class QuantizeMemoryCheckTests
{
    private const string HalfGib = "0x20000000";

    [Fact]
    public void A_run_that_needs_more_memory_than_is_available_fails_before_any_work_with_the_estimate()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "m.qllm");

        var (code, error) = Quantize(output, new() { ["DOTNET_GCHeapHardLimit"] = HalfGib });

        Assert.Equal(1, code);
        Assert.Matches(@"stories15M\.bin: error QLLM3008: .*estimated to need \d+\.\d\d GiB .* only 0\.50 GiB are available", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains("QLLM3008", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void The_check_can_be_switched_off()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "m.qllm");

        var (code, error) = Quantize(output, new() { ["DOTNET_GCHeapHardLimit"] = HalfGib, ["QLLM_MEMORY_CHECK"] = "0" });

        Assert.True(code == 0, error);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void The_memory_trace_names_each_phase_with_the_runs_peak()
    {
        using var folder = new TemporaryFolder();
        var output = Path.Combine(folder.Path, "m.qllm");

        var (code, error) = Quantize(output, new() { ["QLLM_TRACE_MEMORY"] = "1" }, "--weight-rounding", "gptq", "--samples", "2");

        Assert.True(code == 0, error);
        Assert.Matches(@"memory: block 0: targets: resident \d+ MiB \(anonymous \d+\), peak since the last mark \d+ MiB, run's peak \d+ MiB", error);
        Assert.Contains("memory: layer 0: mlp.down_proj rounded:", error, StringComparison.Ordinal);
    }

    private static (int Code, string Error) Quantize(string output, Dictionary<string, string> environment, params string[] recipe)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "qllm.dll"), "quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath,
            "--output", output, "--method", "rtn", "--rotation", "none", .. (recipe.Length > 0 ? recipe : ["--weight-rounding", "nearest"]),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = standardOutput.Result;
        return (process.ExitCode, error);
    }
}
