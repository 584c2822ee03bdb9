using System.Text.Json;
using Qllm.Cache;
using Qllm.Engine.Tests;

namespace Qllm.Tool.Tests.Commands;

/// <summary>What an artifact records of its inputs: the digests the build's cache keys hold.</summary>
public sealed class ArtifactInputsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("qllm-artifact-inputs-").FullName;

    [Fact]
    public async Task A_folders_recorded_digest_is_the_one_in_its_cache_key()
    {
        var model = Path.Combine(folder, "stories15M-hf");
        Assert.Equal(0, (await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", model)).ExitCode);
        // A hidden file counts and a subfolder does not, in both: they must agree on which files a folder has.
        File.WriteAllText(Path.Combine(model, ".gitattributes"), "*.safetensors filter=lfs\n");
        Directory.CreateDirectory(Path.Combine(model, ".cache"));
        File.WriteAllText(Path.Combine(model, ".cache", "note"), "x");

        var artifact = Path.Combine(folder, "hf.qllm");
        var quantize = await QllmRun.InvokeAsync("quantize", model, "--calibration", TestData.CalibrationTextPath, "--output", artifact, "--preset", "W4A16", "--method", "rtn", "--rotation", "none", "--weight-rounding", "nearest", "--samples", "1", "--device", "cpu");
        Assert.True(quantize.ExitCode == 0, quantize.Error);

        var inspect = await QllmRun.InvokeAsync("inspect", artifact, "--json");
        Assert.Equal(0, inspect.ExitCode);
        using var report = JsonDocument.Parse(inspect.Output);
        var recorded = report.RootElement.GetProperty("inputs").GetProperty("model");
        // What ResolveQuantizedModels puts in the model's cache key (ModelCacheKey.For digests through this cache).
        Assert.Equal(FileDigestCache.Load(null).Digest(model), recorded.GetProperty("sha256").GetString());
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
