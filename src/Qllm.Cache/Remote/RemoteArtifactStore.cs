using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;
using Qllm.Core.IO;

namespace Qllm.Cache.Remote;

/// <summary>
/// The shared tier of the artifact cache, over any <see cref="IDistributedCache"/> (Redis in
/// production). An artifact is stored as chunks named by a fresh writer id and then a manifest
/// naming that writer, its length and its SHA-256: the manifest is written last, so a reader never
/// finds one whose chunks are still being written, and each manifest names only its own writer's
/// chunks, so concurrent publishers of one key cannot mix their bytes. A fetch is verified before
/// it is renamed into place: the bytes against the manifest's length and SHA-256, and, with a
/// <see cref="RemoteCacheOptions.TrustedKey"/>, the manifest against its signature, without which
/// anyone able to write to the server could store a consistent entry of their own making. It runs inside MSBuild: remote trouble never throws, it becomes a
/// result the build logs as a warning, and every call to the server is limited by
/// <see cref="RemoteCacheOptions.OperationTimeout"/>. The cache is not disposed by this class.
/// </summary>
internal sealed class RemoteArtifactStore
{
    /// <summary>Chunks outlive their manifest by this much, so an entry never expires chunk first.</summary>
    private static readonly TimeSpan ChunkGrace = TimeSpan.FromMinutes(1);

    private readonly IDistributedCache _cache;
    private readonly RemoteCacheOptions _options;

    /// <summary>Creates a store over <paramref name="cache"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The options' chunk size or timeout is out of range.</exception>
    public RemoteArtifactStore(IDistributedCache cache, RemoteCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _options = options ?? new RemoteCacheOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.ChunkBytes, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.ChunkBytes, RemoteCacheOptions.MaxChunkBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.OperationTimeout, TimeSpan.Zero, nameof(options));
        if (_options.TimeToLive is { } ttl)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(options));
        }
    }

    /// <summary>
    /// Fetches the artifact of <paramref name="key"/> into <paramref name="destinationPath"/> (whose
    /// folder must exist): the chunks are streamed into a temporary file beside it, checked against
    /// the manifest's length and SHA-256, and only then renamed onto it. Anything but a hit leaves
    /// neither the destination nor the temporary file behind.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled (nothing is left behind).</exception>
    public async Task<RemoteFetch> TryFetchAsync(string key, string destinationPath, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(destinationPath);
        try
        {
            var manifest = await GetAsync(RemoteCacheKeys.Manifest(key), cancellation).ConfigureAwait(false);
            if (manifest is null)
            {
                return RemoteFetch.Miss;
            }

            if (Parse(manifest) is not { } entry)
            {
                return RemoteFetch.Rejected("its manifest is unreadable");
            }

            if (entry.Problem() is { } problem)
            {
                return RemoteFetch.Rejected(problem);
            }

            // Checked before any chunk is read: an entry that nobody trusted vouches for is not worth
            // downloading, and the signed digest is what the downloaded bytes are then held to.
            if (_options.TrustedKey is { } trusted && !RemoteEntrySignature.Verify(trusted, key, entry))
            {
                return RemoteFetch.Rejected(entry.Signature is null
                    ? "it is not signed, and this machine trusts only signed entries"
                    : $"its signature does not verify with the trusted key {RemoteEntrySignature.Fingerprint(trusted)}");
            }

            return await DownloadAsync(key, entry, Path.GetFullPath(destinationPath), cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // Whatever the server or its client library throws must not fail the build.
            return RemoteFetch.Unavailable(Describe(e));
        }
    }

    /// <summary>
    /// Publishes the artifact at <paramref name="artifactPath"/> as the entry of <paramref name="key"/>:
    /// its chunks under a fresh writer id, then the manifest. An entry it replaces loses its chunks
    /// afterwards (best effort), so republishing a key does not leave the old bytes behind.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the manifest was written.</exception>
    public async Task<RemotePublish> PublishAsync(string key, string artifactPath, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(artifactPath);
        RemoteManifest? replaced;
        try
        {
            replaced = Parse(await GetAsync(RemoteCacheKeys.Manifest(key), cancellation).ConfigureAwait(false));
            if (await UploadAsync(key, artifactPath, cancellation).ConfigureAwait(false) is { } failure)
            {
                return failure;
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // Whatever the server or its client library throws must not fail the build.
            return RemotePublish.Unavailable(Describe(e));
        }

        await RemoveChunksAsync(key, replaced, cancellation).ConfigureAwait(false);
        return RemotePublish.Published;
    }

    private async Task<RemoteFetch> DownloadAsync(string key, RemoteManifest manifest, string destinationPath, CancellationToken cancellation)
    {
        var stream = AtomicFile.CreateTemporary(destinationPath, out var temporaryPath);
        var committed = false;
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (stream.ConfigureAwait(false))
            {
                for (var index = 0; index < manifest.Chunks; index++)
                {
                    var chunk = await GetAsync(RemoteCacheKeys.Chunk(key, manifest.Writer, index), cancellation).ConfigureAwait(false);
                    if (chunk is null)
                    {
                        return RemoteFetch.Rejected($"chunk {index} of {manifest.Chunks} is missing");
                    }

                    // Checked per chunk, so a damaged entry never writes more than the manifest's length.
                    if (chunk.Length != manifest.ChunkLength(index))
                    {
                        return RemoteFetch.Rejected($"chunk {index} of {manifest.Chunks} is {chunk.Length} bytes, the manifest says {manifest.ChunkLength(index)}");
                    }

                    hash.AppendData(chunk);
                    await stream.WriteAsync(chunk, cancellation).ConfigureAwait(false);
                }

                stream.Flush(flushToDisk: true);
            }

            if (Convert.ToHexStringLower(hash.GetHashAndReset()) != manifest.Sha256)
            {
                return RemoteFetch.Rejected("its SHA-256 does not match the manifest");
            }

            AtomicFile.Commit(temporaryPath, destinationPath);
            committed = true;
            return RemoteFetch.Hit;
        }
        finally
        {
            if (!committed)
            {
                AtomicFile.Discard(temporaryPath);
            }
        }
    }

    /// <summary>Stores the chunks and then the manifest; returns a failure, or null when the entry is stored.</summary>
    private async Task<RemotePublish?> UploadAsync(string key, string artifactPath, CancellationToken cancellation)
    {
        var started = DateTimeOffset.UtcNow;
        var writer = Guid.NewGuid().ToString("N");
        var chunkBytes = _options.ChunkBytes;
        var chunkOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = _options.TimeToLive + ChunkGrace };
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var file = new FileStream(artifactPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true);
        long bytes;
        int chunks;
        await using (file.ConfigureAwait(false))
        {
            bytes = file.Length;
            chunks = (int)((bytes + chunkBytes - 1) / chunkBytes);

            // Every chunk but the last has the full size: one buffer serves them all.
            var full = new byte[Math.Min(chunkBytes, bytes)];
            for (var index = 0; index < chunks; index++)
            {
                var length = (int)Math.Min(chunkBytes, bytes - ((long)index * chunkBytes));
                var chunk = length == full.Length ? full : new byte[length];
                await file.ReadExactlyAsync(chunk, cancellation).ConfigureAwait(false);
                hash.AppendData(chunk);
                await SetAsync(RemoteCacheKeys.Chunk(key, writer, index), chunk, chunkOptions, cancellation).ConfigureAwait(false);
            }

            if (await file.ReadAsync(new byte[1], cancellation).ConfigureAwait(false) != 0)
            {
                return RemotePublish.Unavailable($"{artifactPath} grew while it was published");
            }
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        var signature = _options.SigningKey is { } signingKey ? RemoteEntrySignature.Sign(signingKey, key, sha256, bytes) : null;
        var manifest = new RemoteManifest(sha256, bytes, chunkBytes, chunks, writer, signature);
        var manifestOptions = new DistributedCacheEntryOptions();
        if (_options.TimeToLive is { } ttl)
        {
            // The manifest expires when the first chunk would (less the grace), so it never outlives a chunk.
            var left = started + ttl - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return RemotePublish.Unavailable($"publishing took longer than the entries' time to live ({ttl})");
            }

            manifestOptions.AbsoluteExpirationRelativeToNow = left;
        }

        await SetAsync(RemoteCacheKeys.Manifest(key), JsonSerializer.SerializeToUtf8Bytes(manifest, RemoteCacheJson.Default.RemoteManifest), manifestOptions, cancellation).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Removes the chunks of a replaced entry. Failures, and cancellation this late, only leave
    /// garbage that the server's expiry or eviction clears: the new entry is already stored. The
    /// first failure ends it, so a server that stopped answering costs one timeout, not one per chunk.
    /// </summary>
    private async Task RemoveChunksAsync(string key, RemoteManifest? replaced, CancellationToken cancellation)
    {
        if (replaced is null || replaced.Problem() is not null)
        {
            return;
        }

        try
        {
            for (var index = 0; index < replaced.Chunks; index++)
            {
                var chunk = RemoteCacheKeys.Chunk(key, replaced.Writer, index);
                await RemoteCall.RunAsync(token => _cache.RemoveAsync(chunk, token), _options.OperationTimeout, cancellation).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // See the summary: nothing to report.
        }
    }

    private Task<byte[]?> GetAsync(string key, CancellationToken cancellation) =>
        RemoteCall.RunAsync(token => _cache.GetAsync(key, token), _options.OperationTimeout, cancellation);

    private Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken cancellation) =>
        RemoteCall.RunAsync(token => _cache.SetAsync(key, value, options, token), _options.OperationTimeout, cancellation);

    private static RemoteManifest? Parse(byte[]? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, RemoteCacheJson.Default.RemoteManifest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A one-line reason for a build warning; client libraries' messages can run to pages of diagnostics.</summary>
    private static string Describe(Exception e)
    {
        var message = e.Message.ReplaceLineEndings(" ");
        return message.Length <= 300 ? message : message[..300] + "…";
    }
}
