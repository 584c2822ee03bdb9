using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Qllm.Cache.Remote;

namespace Qllm.Cache.Tests.Remote;

/// <summary>
/// Signed entries against a real redis-server: CI (which holds the private key) publishes, a
/// developer machine (which holds only the public key) fetches, and an attacker who can write to
/// Redis but holds no key tries to make it load something else.
/// </summary>
public sealed class SignedRemoteEntryTests : IClassFixture<RedisServer>, IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private readonly ECDsa _writers = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _attackers = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly TemporaryFolder _ci = new();
    private readonly TemporaryFolder _developer = new();
    private readonly IDistributedCache _cache;
    private readonly RemoteArtifactStore _signingStore;
    private readonly RemoteArtifactStore _verifyingStore;
    private readonly RemoteArtifactStore _unsignedStore;
    private readonly RemoteArtifactStore _attackerStore;

    public SignedRemoteEntryTests(RedisServer server)
    {
        _cache = RedisDistributedCache.Create(server.ConnectionString);
        _signingStore = new RemoteArtifactStore(_cache, new RemoteCacheOptions { ChunkBytes = ChunkBytes, SigningKey = _writers.ExportPkcs8PrivateKey() });
        _verifyingStore = new RemoteArtifactStore(_cache, new RemoteCacheOptions { ChunkBytes = ChunkBytes, TrustedKey = _writers.ExportSubjectPublicKeyInfo() });
        _unsignedStore = new RemoteArtifactStore(_cache, new RemoteCacheOptions { ChunkBytes = ChunkBytes });
        _attackerStore = new RemoteArtifactStore(_cache, new RemoteCacheOptions { ChunkBytes = ChunkBytes, SigningKey = _attackers.ExportPkcs8PrivateKey() });
    }

    private string Destination => _developer.File("model.qllm");

    [Fact]
    public async Task An_entry_signed_by_the_writers_is_fetched_by_a_machine_that_trusts_them()
    {
        var key = RemoteArtifactStoreTests.NewKey();
        var bytes = RemoteArtifactStoreTests.Artifact(_ci, "model.qllm", (2 * ChunkBytes) + 10);

        Assert.Equal(RemotePublish.Published, await _signingStore.PublishAsync(key, _ci.File("model.qllm"), default));

        Assert.Equal(RemoteFetch.Hit, await _verifyingStore.TryFetchAsync(key, Destination, default));
        Assert.Equal(bytes, File.ReadAllBytes(Destination));
        var manifest = await ManifestAsync(key);
        Assert.NotNull(manifest.Signature);
        Assert.True(_writers.VerifyData(RemoteEntrySignature.Payload(key, manifest.Sha256, manifest.Bytes), Convert.FromBase64String(manifest.Signature), HashAlgorithmName.SHA256));
    }

    [Fact]
    public async Task A_machine_without_a_key_uses_signed_and_unsigned_entries_alike()
    {
        var signed = await PublishAsync(_signingStore, 1000);
        var unsigned = await PublishAsync(_unsignedStore, 1000);

        Assert.Equal(RemoteFetch.Hit, await _unsignedStore.TryFetchAsync(signed, Destination, default));
        Assert.Equal(RemoteFetch.Hit, await _unsignedStore.TryFetchAsync(unsigned, Destination, default));
        Assert.Null((await ManifestAsync(unsigned)).Signature);
    }

    [Fact]
    public async Task A_consistent_unsigned_entry_is_rejected_before_any_chunk_is_read()
    {
        // What anyone who can write to Redis can do: real chunks and a manifest that matches them.
        var key = await PublishAsync(_unsignedStore, (2 * ChunkBytes) + 1);
        var manifest = await ManifestAsync(key);
        await _cache.RemoveAsync(RemoteCacheKeys.Chunk(key, manifest.Writer, 0));

        // Had the chunks been read, the missing one would be the reason.
        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), "it is not signed, and this machine trusts only signed entries");
    }

    [Fact]
    public async Task An_entry_signed_with_another_key_is_rejected()
    {
        var key = await PublishAsync(_attackerStore, ChunkBytes + 1);

        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), $"its signature does not verify with the trusted key {RemoteEntrySignature.Fingerprint(_writers.ExportSubjectPublicKeyInfo())}");
    }

    [Fact]
    public async Task A_genuine_signed_entry_copied_under_another_key_is_rejected()
    {
        // The signature covers the key: a real artifact of another model or other options cannot be
        // served for this one.
        var genuine = await PublishAsync(_signingStore, 1000);
        var manifest = await ManifestAsync(genuine);
        var target = RemoteArtifactStoreTests.NewKey();
        await _cache.SetAsync(RemoteCacheKeys.Chunk(target, manifest.Writer, 0), (await _cache.GetAsync(RemoteCacheKeys.Chunk(genuine, manifest.Writer, 0)))!);
        await SetManifestAsync(target, manifest);

        AssertRejected(await _verifyingStore.TryFetchAsync(target, Destination, default), "its signature does not verify");
    }

    [Fact]
    public async Task A_signed_manifest_whose_digest_or_length_was_changed_is_rejected()
    {
        var key = await PublishAsync(_signingStore, 1000);
        var manifest = await ManifestAsync(key);

        await SetManifestAsync(key, manifest with { Sha256 = new string('0', 64) });
        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), "its signature does not verify");

        await SetManifestAsync(key, manifest with { Bytes = 999, ChunkBytes = ChunkBytes });
        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), "its signature does not verify");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public async Task A_malformed_signature_is_rejected(string signature)
    {
        var key = await PublishAsync(_signingStore, 1000);
        await SetManifestAsync(key, await ManifestAsync(key) with { Signature = signature });

        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), "its signature does not verify");
    }

    [Fact]
    public async Task A_flipped_byte_in_a_chunk_of_a_signed_entry_is_rejected()
    {
        var key = await PublishAsync(_signingStore, (2 * ChunkBytes) + 5);
        var manifest = await ManifestAsync(key);
        var chunk = RemoteCacheKeys.Chunk(key, manifest.Writer, 1);
        var poisoned = (await _cache.GetAsync(chunk))!;
        poisoned[4242] ^= 0x80;
        await _cache.SetAsync(chunk, poisoned);

        AssertRejected(await _verifyingStore.TryFetchAsync(key, Destination, default), "its SHA-256 does not match the manifest");
    }

    public void Dispose()
    {
        (_cache as IDisposable)?.Dispose();
        _writers.Dispose();
        _attackers.Dispose();
        _ci.Dispose();
        _developer.Dispose();
    }

    private void AssertRejected(RemoteFetch fetch, string reason)
    {
        Assert.Equal(RemoteFetchKind.Rejected, fetch.Kind);
        Assert.Contains(reason, fetch.Reason, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_developer.Path));
    }

    private async Task<string> PublishAsync(RemoteArtifactStore store, int length)
    {
        var key = RemoteArtifactStoreTests.NewKey();
        RemoteArtifactStoreTests.Artifact(_ci, "model.qllm", length);
        Assert.Equal(RemotePublish.Published, await store.PublishAsync(key, _ci.File("model.qllm"), default));
        return key;
    }

    private async Task<RemoteManifest> ManifestAsync(string key) =>
        JsonSerializer.Deserialize((await _cache.GetAsync(RemoteCacheKeys.Manifest(key)))!, RemoteCacheJson.Default.RemoteManifest)!;

    private Task SetManifestAsync(string key, RemoteManifest manifest) =>
        _cache.SetAsync(RemoteCacheKeys.Manifest(key), JsonSerializer.SerializeToUtf8Bytes(manifest, RemoteCacheJson.Default.RemoteManifest));
}
