namespace Qllm.Cache;

/// <summary>A stored artifact of the local store.</summary>
/// <param name="Folder">The entry's folder.</param>
/// <param name="Manifest">What the entry holds.</param>
/// <param name="LastUsedUtc">When a build last read it (the least recently used go first when trimming).</param>
internal sealed record CacheEntry(string Folder, CacheEntryManifest Manifest, DateTime LastUsedUtc)
{
    /// <summary>The artifact file.</summary>
    public string ArtifactPath => Path.Combine(Folder, LocalArtifactStore.ArtifactFileName);
}
