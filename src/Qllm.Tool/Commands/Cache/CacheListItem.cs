using Qllm.Cache;

namespace Qllm.Tool.Commands.Cache;

/// <summary>One entry of <see cref="CacheListReport"/>.</summary>
internal sealed record CacheListItem(string Key, long Bytes, string Sha256, string Model, DateTime CreatedUtc, DateTime LastUsedUtc)
{
    public static CacheListItem From(CacheEntry entry) =>
        new(entry.Manifest.Key, entry.Manifest.Bytes, entry.Manifest.Sha256, entry.Manifest.Model, entry.Manifest.CreatedUtc, entry.LastUsedUtc);
}
