using System.Net;
using System.Net.Sockets;
using Qllm.Cache.Remote;
using Qllm.Core.Errors;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Qllm.Cache.Tests.Remote;

public sealed class RedisDistributedCacheTests(ITestOutputHelper output)
{
    [Fact]
    public void Timeouts_default_to_seconds_and_a_failed_first_connection_does_not_abort()
    {
        var configuration = RedisDistributedCache.Configuration("cache.example:6379");

        Assert.False(configuration.AbortOnConnectFail);
        Assert.Equal(2000, configuration.ConnectTimeout);
        Assert.Equal(1, configuration.ConnectRetry);
        Assert.Equal(3000, configuration.SyncTimeout);
        Assert.Equal(3000, configuration.AsyncTimeout);
        Assert.Same(BacklogPolicy.FailFast, configuration.BacklogPolicy);
    }

    [Fact]
    public void What_the_connection_string_says_wins_over_the_defaults()
    {
        var configuration = RedisDistributedCache.Configuration("cache.example:6379,connectTimeout=10000,connectRetry=4,syncTimeout=7000,asyncTimeout=8000,abortConnect=true,password=secret");

        Assert.True(configuration.AbortOnConnectFail);
        Assert.Equal(10000, configuration.ConnectTimeout);
        Assert.Equal(4, configuration.ConnectRetry);
        Assert.Equal(7000, configuration.SyncTimeout);
        Assert.Equal(8000, configuration.AsyncTimeout);
        Assert.Equal("secret", configuration.Password);
    }

    [Theory]
    [InlineData("cache.example:6379,password=secret,nonsense=1")]
    [InlineData("password=secret")]
    [InlineData(",")]
    public void An_unreadable_connection_string_is_a_misconfiguration_that_hides_the_password(string connectionString)
    {
        var error = Assert.Throws<QllmException>(() => RedisDistributedCache.Create(connectionString));

        Assert.Equal(ErrorCodes.RemoteCacheMisconfigured, error.Code);
        Assert.Contains("QllmRemoteCache", error.Fix, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.ToCanonicalString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_that_accepts_connections_and_never_answers_is_unavailable_by_the_clients_connect_timeout()
    {
        // A wedged host: the TCP connection opens, the Redis handshake never completes.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var cache = RedisDistributedCache.Create($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        using var connection = (IDisposable)cache;

        // An operation limit no test waits out: what ends the calls is the client giving up on the
        // connection (its connect timeout, then failing fast), which the reasons show. A hang fails
        // the test through the token instead of hanging the run.
        var store = new RemoteArtifactStore(cache, new RemoteCacheOptions { OperationTimeout = TimeSpan.FromHours(1) });
        using var folder = new TemporaryFolder();
        using var hang = new CancellationTokenSource(TimeSpan.FromMinutes(5));

        var fetch = await store.TryFetchAsync(RemoteArtifactStoreTests.NewKey(), folder.File("model.qllm"), hang.Token);
        var again = await store.TryFetchAsync(RemoteArtifactStoreTests.NewKey(), folder.File("model.qllm"), hang.Token);
        output.WriteLine($"fetch: {fetch}; again: {again}");

        // StackExchange.Redis's fail-fast refusal, once the connect attempt gave up: no timeout ended either call.
        Assert.Equal(RemoteFetchKind.Unavailable, fetch.Kind);
        Assert.StartsWith("No connection is active/available", fetch.Reason, StringComparison.Ordinal);
        Assert.Equal(RemoteFetchKind.Unavailable, again.Kind);
        Assert.StartsWith("No connection is active/available", again.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }
}
