using System.Diagnostics;
using Qllm.Cache.Remote;
using Xunit.Abstractions;

namespace Qllm.Cache.Tests.Remote;

/// <summary>
/// A server that cannot be reached, dies, or hangs costs a build seconds and a result, never an
/// exception. Each test that stops or blocks a server has a server of its own.
/// </summary>
public sealed class RemoteCacheFailureTests(ITestOutputHelper output) : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Generous for a loaded CI machine, far below the minutes a default client could wait.</summary>
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(10);

    private static readonly RemoteCacheOptions Options = new() { ChunkBytes = ChunkBytes };
    private readonly TemporaryFolder _machineA = new();
    private readonly TemporaryFolder _machineB = new();

    private string Destination => _machineB.File("model.qllm");

    [Fact]
    public async Task A_server_nobody_listens_for_is_unavailable_within_seconds()
    {
        var cache = RedisDistributedCache.Create($"127.0.0.1:{RedisServer.FreePort()}");
        using var connection = (IDisposable)cache;
        var store = new RemoteArtifactStore(cache, Options);
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 3 * ChunkBytes);
        var clock = Stopwatch.StartNew();

        var fetch = await store.TryFetchAsync(RemoteArtifactStoreTests.NewKey(), Destination, default);
        var fetchTime = clock.Elapsed;
        var publish = await store.PublishAsync(RemoteArtifactStoreTests.NewKey(), _machineA.File("model.qllm"), default);
        output.WriteLine($"fetch {fetchTime.TotalSeconds:0.00} s: {fetch}; publish {(clock.Elapsed - fetchTime).TotalSeconds:0.00} s: {publish}");

        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.False(string.IsNullOrWhiteSpace(fetch.Reason));
        Assert.InRange(fetchTime, TimeSpan.Zero, Quickly);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        Assert.False(string.IsNullOrWhiteSpace(publish.Reason));
        Assert.InRange(clock.Elapsed - fetchTime, TimeSpan.Zero, Quickly);
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task A_server_that_stopped_after_serving_is_unavailable_within_seconds()
    {
        using var server = new RedisServer();
        var cache = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)cache;
        var store = new RemoteArtifactStore(cache, Options);
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 2 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _machineA.File("model.qllm"), default));

        server.Stop();
        var clock = Stopwatch.StartNew();
        var fetch = await store.TryFetchAsync(key, Destination, default);
        output.WriteLine($"fetch {clock.Elapsed.TotalSeconds:0.00} s: {fetch}");
        var publish = await store.PublishAsync(key, _machineA.File("model.qllm"), default);
        output.WriteLine($"fetch and publish {clock.Elapsed.TotalSeconds:0.00} s: {publish}");

        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, 2 * Quickly);
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task A_server_that_dies_in_the_middle_of_a_fetch_is_unavailable_and_leaves_nothing()
    {
        using var server = new RedisServer();
        var cache = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)cache;
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 3 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await new RemoteArtifactStore(cache, Options).PublishAsync(key, _machineA.File("model.qllm"), default));
        var store = new RemoteArtifactStore(new StoppingCache(cache, server, k => k.EndsWith(":2", StringComparison.Ordinal)), Options);
        var clock = Stopwatch.StartNew();

        var fetch = await store.TryFetchAsync(key, Destination, default);
        output.WriteLine($"fetch {clock.Elapsed.TotalSeconds:0.00} s: {fetch}");

        Assert.False(server.IsRunning);
        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Quickly);
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task A_server_that_dies_in_the_middle_of_a_publish_is_unavailable()
    {
        using var server = new RedisServer();
        var cache = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)cache;
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 3 * ChunkBytes);
        var store = new RemoteArtifactStore(new StoppingCache(cache, server, k => k.EndsWith(":1", StringComparison.Ordinal)), Options);

        var clock = Stopwatch.StartNew();
        var publish = await store.PublishAsync(key, _machineA.File("model.qllm"), default);
        output.WriteLine($"publish {clock.Elapsed.TotalSeconds:0.00} s: {publish}");

        Assert.False(server.IsRunning);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
    }

    [Fact]
    public async Task A_server_that_hangs_is_unavailable_after_the_operation_timeout()
    {
        using var server = new RedisServer();
        var cache = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)cache;
        var store = new RemoteArtifactStore(cache, Options with { OperationTimeout = TimeSpan.FromSeconds(1) });
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 2 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _machineA.File("model.qllm"), default));

        // DEBUG SLEEP blocks the whole server: connected, silent, as a wedged server would be.
        server.CommandWithoutReply("DEBUG SLEEP 4");
        var clock = Stopwatch.StartNew();
        var fetch = await store.TryFetchAsync(key, Destination, default);
        output.WriteLine($"fetch {clock.Elapsed.TotalSeconds:0.00} s: {fetch}");

        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.Contains("did not answer within 1 s", fetch.Reason, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3));
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task Cancelling_while_the_server_hangs_throws_rather_than_reporting_a_timeout()
    {
        using var server = new RedisServer();
        var cache = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)cache;
        var store = new RemoteArtifactStore(cache, Options with { OperationTimeout = TimeSpan.FromSeconds(30) });
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 2 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _machineA.File("model.qllm"), default));

        server.CommandWithoutReply("DEBUG SLEEP 4");
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.TryFetchAsync(key, Destination, cancellation.Token));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    public void Dispose()
    {
        _machineA.Dispose();
        _machineB.Dispose();
    }
}
