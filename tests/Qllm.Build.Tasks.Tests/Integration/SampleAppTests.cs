using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>samples/AppWithModel, built in place from source (as the README's command does) with a private cache and small settings.</summary>
[Collection(RealBuilds.Name)]
public sealed class SampleAppTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    [Fact]
    public void The_sample_builds_with_its_model_and_prints_the_prompt_and_a_continuation()
    {
        var sample = Path.Combine(Repository.Root, "samples", "AppWithModel");
        var build = DotnetProcess.Run(sample, TimeSpan.FromMinutes(10), "build", "-c", Repository.Configuration, "-v:n", "-nodeReuse:false", "--disable-build-servers",
            "-p:UseSharedCompilation=false", $"-p:QllmDataDir={SetupData.Directory}", $"-p:QllmCacheDir={_cache.Path}", "-p:QllmSamples=2", "-p:QllmEpochs=1");
        BuildLog.Succeeded(build);
        Assert.Single(new LocalArtifactStore(_cache.Path).List());

        var run = DotnetProcess.Run(sample, TimeSpan.FromMinutes(1), Path.Combine(sample, "bin", Repository.Configuration, "net10.0", "AppWithModel.dll"), "Lily", "and", "Ben");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Lily and Ben", run.Output, StringComparison.Ordinal);
        Assert.True(run.Output.Length > "Lily and Ben".Length + 20, run.Output);
    }

    public void Dispose() => _cache.Dispose();
}
