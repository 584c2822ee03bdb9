namespace Qllm.Tool.Tests.Commands;

public sealed class ArtifactFormatVersionTests
{
    [Fact]
    public void The_cache_keys_format_version_is_the_one_the_engine_writes() =>
        Assert.Equal(Qllm.Artifacts.Container.ArtifactFormat.CurrentVersion, Qllm.Cache.ArtifactFormatVersion.Current);
}
