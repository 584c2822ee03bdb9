using Microsoft.Extensions.Caching.Distributed;

namespace Qllm.Cache.Tests.Remote;

/// <summary>
/// The real cache until <see cref="Silence"/>; from then on every call is swallowed and never
/// answered, its token ignored, as a wedged server behind a client that stops listening to
/// cancellation once a request is out. Deterministic where blocking a real server with
/// <c>DEBUG SLEEP</c> raced the fetch: the store meets the silence at its next call, every time.
/// </summary>
internal sealed class SilentCache(IDistributedCache inner, Action? onUnanswered = null) : IDistributedCache
{
    // Never completed: the answer that does not come.
    private readonly TaskCompletionSource<byte[]?> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _silent;
    private int _unanswered;

    /// <summary>Calls made since <see cref="Silence"/>, none of them answered.</summary>
    public int UnansweredCalls => Volatile.Read(ref _unanswered);

    /// <summary>From now on, no call is answered.</summary>
    public void Silence() => _silent = true;

    public byte[]? Get(string key) => _silent ? Unanswered().GetAwaiter().GetResult() : inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _silent ? Unanswered() : inner.GetAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        if (_silent)
        {
            Unanswered().GetAwaiter().GetResult();
            return;
        }

        inner.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        _silent ? Unanswered() : inner.SetAsync(key, value, options, token);

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _silent ? Unanswered() : inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => _silent ? Unanswered() : inner.RemoveAsync(key, token);

    private Task<byte[]?> Unanswered()
    {
        Interlocked.Increment(ref _unanswered);
        onUnanswered?.Invoke();
        return _never.Task;
    }
}
