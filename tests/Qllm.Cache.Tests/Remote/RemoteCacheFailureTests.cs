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

    /// <summary>
    /// An operation limit no test waits out: a call to a lost server that ends did so because the
    /// client failed fast, which its reason shows, not because the store's limit ran out. Speed
    /// itself is not measured here (a loaded CI machine makes any wall-clock bound flaky).
    /// </summary>
    private static readonly RemoteCacheOptions Options = new() { ChunkBytes = ChunkBytes, OperationTimeout = TimeSpan.FromHours(1) };

    /// <summary>Ends a call that hangs anyway, as a failed test rather than a hung run.</summary>
    private readonly CancellationTokenSource _hang = new(TimeSpan.FromMinutes(5));
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

        var fetch = await store.TryFetchAsync(RemoteArtifactStoreTests.NewKey(), Destination, _hang.Token);
        var publish = await store.PublishAsync(RemoteArtifactStoreTests.NewKey(), _machineA.File("model.qllm"), _hang.Token);
        output.WriteLine($"fetch: {fetch}; publish: {publish}");

        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        AssertFailedFast(fetch.Reason);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        AssertFailedFast(publish.Reason);
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
        var fetch = await store.TryFetchAsync(key, Destination, _hang.Token);
        var publish = await store.PublishAsync(key, _machineA.File("model.qllm"), _hang.Token);
        output.WriteLine($"fetch: {fetch}; publish: {publish}");

        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        AssertFailedFast(fetch.Reason);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        AssertFailedFast(publish.Reason);
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

        var fetch = await store.TryFetchAsync(key, Destination, _hang.Token);
        output.WriteLine($"fetch: {fetch}");

        Assert.False(server.IsRunning);
        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        AssertFailedFast(fetch.Reason);
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

        var publish = await store.PublishAsync(key, _machineA.File("model.qllm"), _hang.Token);
        output.WriteLine($"publish: {publish}");

        Assert.False(server.IsRunning);
        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        AssertFailedFast(publish.Reason);
    }

    [Fact]
    public async Task A_server_that_hangs_is_unavailable_after_the_operation_timeout()
    {
        using var server = new RedisServer();
        var real = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)real;
        var cache = new SilentCache(real);
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 2 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await new RemoteArtifactStore(cache, Options).PublishAsync(key, _machineA.File("model.qllm"), default));

        // A short limit is safe here: the only call it can end is one that is never answered.
        var store = new RemoteArtifactStore(cache, Options with { OperationTimeout = TimeSpan.FromMilliseconds(200) });
        cache.Silence();
        var fetch = await store.TryFetchAsync(key, Destination, _hang.Token);
        output.WriteLine($"fetch: {fetch}");

        // The limit ended the one unanswered call, and the store asked nothing more.
        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.Contains("did not answer within 0.2 s", fetch.Reason, StringComparison.Ordinal);
        Assert.Equal(1, cache.UnansweredCalls);
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task Cancelling_while_the_server_hangs_throws_rather_than_reporting_a_timeout()
    {
        using var server = new RedisServer();
        var real = RedisDistributedCache.Create(server.ConnectionString);
        using var connection = (IDisposable)real;
        using var cancellation = new CancellationTokenSource();
        var cache = new SilentCache(real, onUnanswered: cancellation.Cancel);

        // A limit no test waits out: only the cancellation can end the unanswered call.
        var store = new RemoteArtifactStore(cache, Options with { OperationTimeout = TimeSpan.FromHours(1) });
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_machineA, "model.qllm", 2 * ChunkBytes);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _machineA.File("model.qllm"), default));

        cache.Silence();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.TryFetchAsync(key, Destination, cancellation.Token));
        Assert.Equal(1, cache.UnansweredCalls);
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    public void Dispose()
    {
        _hang.Dispose();
        _machineA.Dispose();
        _machineB.Dispose();
    }

    /// <summary>A reason from the client's own failure (no connection, refused), not the store's limit.</summary>
    private static void AssertFailedFast(string? reason)
    {
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.DoesNotContain("did not answer within", reason, StringComparison.Ordinal);
    }
}
