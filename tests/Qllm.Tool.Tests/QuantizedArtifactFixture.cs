
namespace Qllm.Tool.Tests;

/// <summary>
/// A real W4A4 artifact of stories15M, written once per test run by `qllm quantize` in process with
/// the cheapest settings (round-to-nearest, one calibration sample: seconds), and that run's output.
/// </summary>
public sealed class QuantizedArtifactFixture : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-tool-artifact-").FullName;

    public string Folder => _folder;

    public string ArtifactPath => Path.Combine(_folder, "stories15M-w4a4.qllm");

    /// <summary>The `qllm quantize` run that wrote the artifact (its stderr is a <see cref="StringWriter"/>, as when redirected).</summary>
    internal QllmRun Quantize { get; private set; } = new(-1, string.Empty, string.Empty);

    public async Task InitializeAsync()
    {
        Quantize = await QllmRun.InvokeAsync("quantize", TestData.ModelPath, "--calibration", TestData.CalibrationTextPath, "--output", ArtifactPath, "--preset", "W4A4", "--method", "rtn", "--rotation", "hadamard", "--weight-rounding", "gptq", "--samples", "1", "--device", "cpu");
        Assert.True(Quantize.ExitCode == 0, Quantize.Error);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
