namespace Qllm.Cache;

/// <summary>The result of looking a key up: a verified entry, or a miss and, when an entry was there but bad, why it was thrown away.</summary>
/// <param name="Entry">The verified entry, or null on a miss.</param>
/// <param name="Evicted">Why a stored entry was removed instead of used (corrupt, truncated), or null.</param>
internal sealed record CacheLookup(CacheEntry? Entry, string? Evicted)
{
    /// <summary>Whether the key was found and its artifact verified.</summary>
    public bool Hit => Entry is not null;
}
