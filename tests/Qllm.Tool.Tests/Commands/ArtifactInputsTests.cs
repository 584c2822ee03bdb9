using System.Text;
using System.Text.Json;
using Qllm.Cache;

namespace Qllm.Tool.Tests.Commands;

/// <summary>What an artifact records of its inputs: their names and the digests the build's cache keys hold.</summary>
public sealed class ArtifactInputsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-artifact-inputs-").FullName;

    [Fact]
    public async Task A_folders_recorded_digest_is_the_one_in_its_cache_key()
    {
        var model = Path.Combine(_folder, "stories15M-hf");
        Assert.Equal(0, (await QllmRun.InvokeAsync("convert", TestData.ModelPath, "--output", model)).ExitCode);
        // A hidden file counts and a subfolder does not, in both: they must agree on which files a folder has.
        File.WriteAllText(Path.Combine(model, ".gitattributes"), "*.safetensors filter=lfs\n");
        Directory.CreateDirectory(Path.Combine(model, ".cache"));
        File.WriteAllText(Path.Combine(model, ".cache", "note"), "x");

        var artifact = Path.Combine(_folder, "hf.qllm");
        var quantize = await QllmRun.InvokeAsync("quantize", model, "--calibration", TestData.CalibrationTextPath, "--output", artifact, "--preset", "W4A16", "--method", "rtn", "--rotation", "none", "--weight-rounding", "nearest", "--samples", "1", "--device", "cpu");
        Assert.True(quantize.ExitCode == 0, quantize.Error);

        var inspect = await QllmRun.InvokeAsync("inspect", artifact, "--json");
        Assert.Equal(0, inspect.ExitCode);
        using var report = JsonDocument.Parse(inspect.Output);
        var recorded = report.RootElement.GetProperty("inputs").GetProperty("model");
        // What ResolveQuantizedModels puts in the model's cache key (ModelCacheKey.For digests through this cache).
        Assert.Equal(FileDigestCache.Load(null).Digest(model), recorded.GetProperty("sha256").GetString());
        Assert.Equal("stories15M-hf", recorded.GetProperty("path").GetString());
    }

    [Fact]
    public async Task The_same_inputs_in_two_folders_give_byte_identical_artifacts()
    {
        var artifacts = new List<string>();
        foreach (var place in new[] { "alice", Path.Combine("bob", "models", "deeper") })
        {
            var inputs = Directory.CreateDirectory(Path.Combine(_folder, place)).FullName;
            foreach (var source in new[] { TestData.ModelPath, TestData.TokenizerPath, TestData.CalibrationTextPath })
            {
                File.Copy(source, Path.Combine(inputs, Path.GetFileName(source)));
            }

            var artifact = Path.Combine(inputs, "out.qllm");
            var run = await QllmRun.InvokeAsync("quantize", Path.Combine(inputs, Path.GetFileName(TestData.ModelPath)), "--calibration", Path.Combine(inputs, Path.GetFileName(TestData.CalibrationTextPath)), "--output", artifact, "--preset", "W4A4", "--method", "rtn", "--rotation", "none", "--weight-rounding", "nearest", "--samples", "1", "--device", "cpu");
            Assert.True(run.ExitCode == 0, run.Error);
            artifacts.Add(artifact);
        }

        var first = File.ReadAllBytes(artifacts[0]);
        Assert.Equal(first, File.ReadAllBytes(artifacts[1]));
        var text = Encoding.UTF8.GetString(first);
        Assert.DoesNotContain(_folder, text, StringComparison.Ordinal);
        Assert.Contains("\"stories15M.bin\"", text, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
