using Microsoft.Extensions.Caching.Distributed;
using Qllm.Cache.Remote;

namespace Qllm.Build.Tasks;

/// <summary>
/// The shared tier as one build sees it: a Redis connection opened only on a local miss, and
/// given up for the rest of the build after the first time the server does not answer, so an
/// unreachable server costs one timeout, not one per call.
/// </summary>
internal sealed class SharedCache : IDisposable
{
    private readonly IDistributedCache _cache;
    private readonly RemoteArtifactStore _store;

    private SharedCache(RemoteCacheSettings settings, IDistributedCache cache)
    {
        Settings = settings;
        _cache = cache;
        _store = new RemoteArtifactStore(cache, new RemoteCacheOptions { SigningKey = settings.SigningKey, TrustedKey = settings.TrustedKey });
    }

    /// <summary>The connection, the access mode and the keys.</summary>
    public RemoteCacheSettings Settings { get; }

    /// <summary>Whether the server failed to answer once already.</summary>
    public bool Unavailable { get; private set; }

    /// <summary>The shared tier <paramref name="settings"/> describe (from <see cref="RemoteCacheSettings.Resolve(string?, string?, string?, string?)"/>).</summary>
    public static SharedCache Open(RemoteCacheSettings settings) => new(settings, RedisDistributedCache.Create(settings.ConnectionString));

    /// <summary>Fetches <paramref name="key"/> into <paramref name="destination"/>; the result is verified before the file appears.</summary>
    public RemoteFetch Fetch(string key, string destination, CancellationToken cancellation)
    {
        var result = _store.TryFetchAsync(key, destination, cancellation).GetAwaiter().GetResult();
        Unavailable |= result.Kind == RemoteFetchKind.Unavailable;
        return result;
    }

    /// <summary>Publishes an artifact under <paramref name="key"/>.</summary>
    public RemotePublish Publish(string key, string artifact, CancellationToken cancellation)
    {
        var result = _store.PublishAsync(key, artifact, cancellation).GetAwaiter().GetResult();
        Unavailable |= result.Kind == RemotePublishKind.Unavailable;
        return result;
    }

    /// <inheritdoc/>
    public void Dispose() => (_cache as IDisposable)?.Dispose();
}
