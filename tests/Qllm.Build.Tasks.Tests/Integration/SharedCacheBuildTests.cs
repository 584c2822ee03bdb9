using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Distributed;
using Qllm.Cache;
using Qllm.Cache.Remote;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Two "machines" (projects with their own local stores) sharing a real redis-server.</summary>
[Collection(RealBuilds.Name)]
public sealed class SharedCacheBuildTests : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly TemporaryFolder _machineA = new();
    private readonly TemporaryFolder _machineB = new();

    [Fact]
    public void Machine_A_quantizes_and_publishes_and_machine_B_gets_a_hit_without_quantizing()
    {
        using var a = new FixtureProject(_machineA.Path);
        var published = a.Build(Shared("readwrite"));
        BuildLog.Succeeded(published);
        Assert.Contains("published", published.Output, StringComparison.Ordinal);

        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Shared("read"));

        BuildLog.Succeeded(build);
        Assert.Contains("came from the shared cache", build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Equal(File.ReadAllBytes(a.ArtifactPath()), File.ReadAllBytes(b.ArtifactPath()));
        Assert.Single(new LocalArtifactStore(_machineB.Path).List());
        Assert.Equal(0, b.Run().ExitCode);
    }

    [Fact]
    public void A_read_only_machine_does_not_publish()
    {
        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Shared("read"));

        BuildLog.Succeeded(build);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.DoesNotContain("published", build.Output, StringComparison.Ordinal);
        Assert.Equal("0", _redis.Command("DBSIZE").TrimStart(':'));
    }

    [Fact]
    public void A_poisoned_shared_entry_is_rejected_with_a_warning_and_the_model_is_quantized_locally()
    {
        using var a = new FixtureProject(_machineA.Path);
        BuildLog.Succeeded(a.Build(Shared("readwrite")));
        var key = Assert.Single(new LocalArtifactStore(_machineA.Path).List()).Manifest.Key;
        var shared = RedisDistributedCache.Create(_redis.ConnectionString);
        using ((IDisposable)shared)
        {
            var manifest = JsonNode.Parse(shared.Get(RemoteCacheKeys.Manifest(key))!)!;
            manifest["sha256"] = new string('0', 64);
            shared.Set(RemoteCacheKeys.Manifest(key), Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        }

        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build(Shared("read"));

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4005", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.True(new LocalArtifactStore(_machineB.Path).TryGet(key).Hit);
    }

    [Fact]
    public void Redis_stopped_mid_build_is_a_warning_and_the_build_succeeds()
    {
        using var a = new FixtureProject(_machineA.Path, """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="2" Epochs="1" />""");
        var running = DotnetProcess.Start(a.Folder, [.. a.BuildArguments("build"), .. Shared("readwrite")]);
        using (ToolProcess.WaitFor(_machineA.Path))
        {
            _redis.Stop();
        }

        var build = running.Wait(TimeSpan.FromMinutes(5));

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4006", build.Output, StringComparison.Ordinal);
        Assert.Single(new LocalArtifactStore(_machineA.Path).List());
        Assert.Equal(0, a.Run().ExitCode);
    }

    [Fact]
    public void An_unreachable_server_is_a_warning_and_the_model_is_quantized_locally()
    {
        using var b = new FixtureProject(_machineB.Path);
        var build = b.Build($"-p:QllmRemoteCache=127.0.0.1:{RedisServer.FreePort()}");

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4006", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
    }

    public void Dispose()
    {
        _redis.Dispose();
        _machineA.Dispose();
        _machineB.Dispose();
    }

    private string[] Shared(string mode) => [$"-p:QllmRemoteCache={_redis.ConnectionString}", $"-p:QllmRemoteCacheMode={mode}"];
}
