namespace Qllm.Cache;

/// <summary>What a store entry holds, written beside its artifact as entry.json.</summary>
/// <param name="Key">The cache key (<see cref="CacheKey.Value"/>).</param>
/// <param name="Sha256">The SHA-256 of the artifact file, checked on every read.</param>
/// <param name="Bytes">The artifact's length.</param>
/// <param name="CreatedUtc">When the entry was stored.</param>
/// <param name="Model">The model it was made from, for people reading `qllm cache ls`.</param>
/// <param name="Description">The canonical JSON the key was computed from.</param>
internal sealed record CacheEntryManifest(string Key, string Sha256, long Bytes, DateTime CreatedUtc, string Model, string Description);
