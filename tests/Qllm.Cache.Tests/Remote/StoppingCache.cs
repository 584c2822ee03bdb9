using Microsoft.Extensions.Caching.Distributed;

namespace Qllm.Cache.Tests.Remote;

/// <summary>
/// The real cache, with a hook: the server is killed just before the read of one key, so a fetch
/// loses its server half-way. Not a fake: every call still goes to the real redis-server.
/// </summary>
internal sealed class StoppingCache(IDistributedCache inner, RedisServer server, Func<string, bool> stopBefore) : IDistributedCache
{
    public byte[]? Get(string key)
    {
        StopIf(key);
        return inner.Get(key);
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        StopIf(key);
        return inner.GetAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        StopIf(key);
        inner.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        StopIf(key);
        return inner.SetAsync(key, value, options, token);
    }

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    private void StopIf(string key)
    {
        if (stopBefore(key) && server.IsRunning)
        {
            server.Stop();
        }
    }
}
