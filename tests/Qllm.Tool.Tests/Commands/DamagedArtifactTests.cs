
namespace Qllm.Tool.Tests.Commands;

/// <summary>What MODEL is, decided by content: an artifact whose magic is gone is a damaged artifact, not a bad llama2.c header.</summary>
[Collection(QuantizedArtifactGroup.Name)]
public sealed class DamagedArtifactTests(QuantizedArtifactFixture fixture) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-damaged-artifact-").FullName;

    [Theory]
    [InlineData("damaged.qllm")]
    [InlineData("damaged.bin")]
    public async Task An_artifact_without_its_magic_is_a_damaged_artifact(string name)
    {
        var damaged = Path.Combine(_folder, name);
        var bytes = File.ReadAllBytes(fixture.ArtifactPath);
        bytes.AsSpan(0, 8).Clear();
        File.WriteAllBytes(damaged, bytes);
        foreach (var args in new[] { new[] { "generate", damaged }, ["generate", damaged, "--engine", "torch"], ["eval", damaged, "--text", TestData.EvaluationTextPath] })
        {
            var run = await QllmRun.InvokeAsync(args);
            Assert.Equal(1, run.ExitCode);
            Assert.StartsWith($"{damaged}: error QLLM2011: the file is a damaged qllm artifact: its manifest is there but it does not start with the artifact magic (QLLMART); ", run.Error, StringComparison.Ordinal);
            Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
