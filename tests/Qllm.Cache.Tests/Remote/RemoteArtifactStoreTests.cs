using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Qllm.Cache.Remote;

namespace Qllm.Cache.Tests.Remote;

/// <summary>The shared tier against a real redis-server: machine A publishes, machine B fetches.</summary>
public sealed class RemoteArtifactStoreTests : IClassFixture<RedisServer>, IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private static readonly RemoteCacheOptions Options = new() { ChunkBytes = ChunkBytes };
    private readonly TemporaryFolder _machineA = new();
    private readonly TemporaryFolder _machineB = new();
    private readonly IDistributedCache _cacheA;
    private readonly IDistributedCache _cacheB;
    private readonly RemoteArtifactStore _storeA;
    private readonly RemoteArtifactStore _storeB;
    private readonly RedisServer _server;

    public RemoteArtifactStoreTests(RedisServer server)
    {
        _server = server;
        // One connection per machine, as two build agents would have.
        _cacheA = RedisDistributedCache.Create(server.ConnectionString);
        _cacheB = RedisDistributedCache.Create(server.ConnectionString);
        _storeA = new RemoteArtifactStore(_cacheA, Options);
        _storeB = new RemoteArtifactStore(_cacheB, Options);
    }

    private string Destination => _machineB.File("model.qllm");

    [Fact]
    public async Task An_artifact_published_by_one_machine_is_fetched_byte_for_byte_by_another()
    {
        var key = NewKey();
        var bytes = Artifact(_machineA, "model.qllm", (3 * ChunkBytes) + 12345);

        Assert.Equal(RemotePublish.Published, await _storeA.PublishAsync(key, _machineA.File("model.qllm"), default));
        var fetch = await _storeB.TryFetchAsync(key, Destination, default);

        Assert.Equal(RemoteFetch.Hit, fetch);
        Assert.Equal(bytes, File.ReadAllBytes(Destination));
        Assert.Equal([Destination], Directory.GetFiles(_machineB.Path));
        var manifest = await ManifestAsync(key);
        Assert.Equal(4, manifest.Chunks);
        Assert.Equal(ChunkBytes, manifest.ChunkBytes);
        Assert.Equal(bytes.Length, manifest.Bytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(ChunkBytes)]
    [InlineData(2 * ChunkBytes)]
    public async Task Edge_sizes_round_trip(int length)
    {
        var key = NewKey();
        var bytes = Artifact(_machineA, "model.qllm", length);

        Assert.Equal(RemotePublish.Published, await _storeA.PublishAsync(key, _machineA.File("model.qllm"), default));

        Assert.Equal(RemoteFetch.Hit, await _storeB.TryFetchAsync(key, Destination, default));
        Assert.Equal(bytes, File.ReadAllBytes(Destination));
    }

    [Fact]
    public async Task An_unknown_key_is_a_miss_that_writes_nothing()
    {
        Assert.Equal(RemoteFetch.Miss, await _storeB.TryFetchAsync(NewKey(), Destination, default));
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task A_poisoned_chunk_is_rejected_and_nothing_is_written()
    {
        var key = await PublishAsync(3 * ChunkBytes);
        var manifest = await ManifestAsync(key);
        var chunk = RemoteCacheKeys.Chunk(key, manifest.Writer, 1);
        var poisoned = (await _cacheA.GetAsync(chunk))!;
        poisoned[777] ^= 0x01;
        await _cacheA.SetAsync(chunk, poisoned);

        var fetch = await _storeB.TryFetchAsync(key, Destination, default);

        AssertRejected(fetch, "SHA-256");
    }

    [Fact]
    public async Task A_manifest_with_another_digest_is_rejected_and_nothing_is_written()
    {
        var key = await PublishAsync(2 * ChunkBytes);
        var manifest = await ManifestAsync(key);
        await SetManifestAsync(key, manifest with { Sha256 = new string('0', 64) });

        AssertRejected(await _storeB.TryFetchAsync(key, Destination, default), "SHA-256");
    }

    [Fact]
    public async Task A_chunk_of_the_wrong_length_is_rejected_and_nothing_is_written()
    {
        var key = await PublishAsync(2 * ChunkBytes);
        var manifest = await ManifestAsync(key);
        var chunk = RemoteCacheKeys.Chunk(key, manifest.Writer, 0);
        await _cacheA.SetAsync(chunk, (await _cacheA.GetAsync(chunk))![..1000]);

        AssertRejected(await _storeB.TryFetchAsync(key, Destination, default), "chunk 0 of 2 is 1000 bytes");
    }

    [Fact]
    public async Task A_manifest_whose_chunks_are_missing_is_rejected_and_nothing_is_written()
    {
        var key = await PublishAsync(3 * ChunkBytes);
        var manifest = await ManifestAsync(key);
        await _cacheA.RemoveAsync(RemoteCacheKeys.Chunk(key, manifest.Writer, 2));

        AssertRejected(await _storeB.TryFetchAsync(key, Destination, default), "chunk 2 of 3 is missing");
    }

    [Fact]
    public async Task A_manifest_written_alone_is_rejected()
    {
        var key = NewKey();
        await SetManifestAsync(key, new RemoteManifest(new string('a', 64), 5000, ChunkBytes, 1, Guid.NewGuid().ToString("N")));

        AssertRejected(await _storeB.TryFetchAsync(key, Destination, default), "chunk 0 of 1 is missing");
    }

    [Theory]
    [InlineData("not json at all", "unreadable")]
    [InlineData("null", "unreadable")]
    [InlineData("{\"sha256\":\"SHA\",\"bytes\":10}", "unreadable")]
    [InlineData("{\"sha256\":null,\"bytes\":10,\"chunkBytes\":10,\"chunks\":1,\"writer\":\"WRITER\"}", "unreadable")]
    [InlineData("{\"sha256\":\"SHA\",\"bytes\":10,\"chunkBytes\":10,\"chunks\":1,\"writer\":\"../other-key\"}", "writer")]
    [InlineData("{\"sha256\":\"SHA\",\"bytes\":10,\"chunkBytes\":10,\"chunks\":3,\"writer\":\"WRITER\"}", "3 chunks")]
    [InlineData("{\"sha256\":\"SHA\",\"bytes\":-1,\"chunkBytes\":10,\"chunks\":0,\"writer\":\"WRITER\"}", "impossible")]
    [InlineData("{\"sha256\":\"SHA\",\"bytes\":10,\"chunkBytes\":0,\"chunks\":1,\"writer\":\"WRITER\"}", "impossible")]
    [InlineData("{\"sha256\":\"xyz\",\"bytes\":10,\"chunkBytes\":10,\"chunks\":1,\"writer\":\"WRITER\"}", "sha256")]
    public async Task A_damaged_manifest_is_rejected_and_nothing_is_written(string json, string reason)
    {
        var key = await PublishAsync(ChunkBytes / 2);
        var manifest = await ManifestAsync(key);
        var damaged = json.Replace("SHA", manifest.Sha256, StringComparison.Ordinal).Replace("WRITER", manifest.Writer, StringComparison.Ordinal);
        await _cacheA.SetAsync(RemoteCacheKeys.Manifest(key), System.Text.Encoding.UTF8.GetBytes(damaged));

        AssertRejected(await _storeB.TryFetchAsync(key, Destination, default), reason);
    }

    [Fact]
    public async Task Two_writers_of_one_key_at_once_leave_exactly_one_of_their_artifacts()
    {
        for (var round = 0; round < 5; round++)
        {
            var key = NewKey();
            var first = Artifact(_machineA, "first.qllm", (3 * ChunkBytes) + 5);
            var second = Artifact(_machineA, "second.qllm", (2 * ChunkBytes) + 7);

            var published = await Task.WhenAll(
                _storeA.PublishAsync(key, _machineA.File("first.qllm"), default),
                _storeB.PublishAsync(key, _machineA.File("second.qllm"), default));

            Assert.All(published, p => Assert.Equal(RemotePublish.Published, p));
            var destination = _machineB.File($"round{round}.qllm");
            Assert.Equal(RemoteFetch.Hit, await _storeB.TryFetchAsync(key, destination, default));
            var fetched = File.ReadAllBytes(destination);
            Assert.True(fetched.AsSpan().SequenceEqual(first) || fetched.AsSpan().SequenceEqual(second), "the fetched artifact is neither writer's");
        }
    }

    [Fact]
    public async Task Republishing_a_key_replaces_its_entry_and_removes_the_old_chunks()
    {
        var key = await PublishAsync(2 * ChunkBytes);
        var old = await ManifestAsync(key);
        var bytes = Artifact(_machineA, "second.qllm", ChunkBytes + 1);

        Assert.Equal(RemotePublish.Published, await _storeA.PublishAsync(key, _machineA.File("second.qllm"), default));

        Assert.Equal(RemoteFetch.Hit, await _storeB.TryFetchAsync(key, Destination, default));
        Assert.Equal(bytes, File.ReadAllBytes(Destination));
        Assert.Null(await _cacheA.GetAsync(RemoteCacheKeys.Chunk(key, old.Writer, 0)));
        Assert.Null(await _cacheA.GetAsync(RemoteCacheKeys.Chunk(key, old.Writer, 1)));
    }

    [Fact]
    public async Task Entries_expire_after_their_time_to_live_manifest_first()
    {
        // The server's own expiry, read back (PTTL) rather than waited for: no wall clock in the test.
        var ttl = TimeSpan.FromHours(1);
        var store = new RemoteArtifactStore(_cacheA, Options with { TimeToLive = ttl });
        var key = NewKey();
        Artifact(_machineA, "model.qllm", ChunkBytes + 1);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _machineA.File("model.qllm"), default));
        var manifest = await ManifestAsync(key);

        var manifestLeft = MillisecondsToLive(RemoteCacheKeys.Manifest(key));
        var chunksLeft = Enumerable.Range(0, manifest.Chunks).Select(i => MillisecondsToLive(RemoteCacheKeys.Chunk(key, manifest.Writer, i))).ToList();

        Assert.InRange(manifestLeft, 1, (long)ttl.TotalMilliseconds);

        // The chunks are kept a while longer, so a reader of the manifest never finds them gone first.
        Assert.All(chunksLeft, left => Assert.InRange(left, manifestLeft + 1, (long)(ttl + TimeSpan.FromMinutes(1)).TotalMilliseconds));
        Assert.Equal(RemoteFetch.Hit, await _storeB.TryFetchAsync(key, Destination, default));
    }

    [Fact]
    public async Task A_cancelled_fetch_or_publish_throws_and_leaves_nothing()
    {
        var key = await PublishAsync(2 * ChunkBytes);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _storeB.TryFetchAsync(key, Destination, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _storeA.PublishAsync(NewKey(), _machineA.File("model.qllm"), cancelled.Token));
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    [Fact]
    public async Task A_missing_artifact_file_is_reported_not_thrown()
    {
        var publish = await _storeA.PublishAsync(NewKey(), _machineA.File("absent.qllm"), default);

        Assert.Equal(RemotePublishKind.Unavailable, publish.Kind);
        Assert.Contains("absent.qllm", publish.Reason, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        (_cacheA as IDisposable)?.Dispose();
        (_cacheB as IDisposable)?.Dispose();
        _machineA.Dispose();
        _machineB.Dispose();
    }

    private void AssertRejected(RemoteFetch fetch, string reason)
    {
        Assert.Equal(RemoteFetchKind.Rejected, fetch.Kind);
        Assert.Contains(reason, fetch.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Destination));
        Assert.Empty(Directory.GetFiles(_machineB.Path));
    }

    private async Task<string> PublishAsync(int length)
    {
        var key = NewKey();
        Artifact(_machineA, "model.qllm", length);
        Assert.Equal(RemotePublish.Published, await _storeA.PublishAsync(key, _machineA.File("model.qllm"), default));
        return key;
    }

    /// <summary>What the server says is left of <paramref name="key"/>'s life, in milliseconds (-1: no expiry, -2: no key).</summary>
    private long MillisecondsToLive(string key)
    {
        var reply = _server.Command($"PTTL {key}");
        Assert.StartsWith(":", reply, StringComparison.Ordinal);
        return long.Parse(reply.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<RemoteManifest> ManifestAsync(string key) =>
        JsonSerializer.Deserialize((await _cacheA.GetAsync(RemoteCacheKeys.Manifest(key)))!, RemoteCacheJson.Default.RemoteManifest)!;

    private Task SetManifestAsync(string key, RemoteManifest manifest) =>
        _cacheA.SetAsync(RemoteCacheKeys.Manifest(key), JsonSerializer.SerializeToUtf8Bytes(manifest, RemoteCacheJson.Default.RemoteManifest));

    /// <summary>A fresh key per test: the tests share one server.</summary>
    internal static string NewKey() => Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>Random bytes written to a file of <paramref name="folder"/>.</summary>
    internal static byte[] Artifact(TemporaryFolder folder, string name, int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        File.WriteAllBytes(folder.File(name), bytes);
        return bytes;
    }
}
