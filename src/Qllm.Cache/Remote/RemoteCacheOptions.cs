namespace Qllm.Cache.Remote;

/// <summary>How <see cref="RemoteArtifactStore"/> talks to the shared tier.</summary>
internal sealed record RemoteCacheOptions
{
    /// <summary>The default chunk size: large enough to keep round trips few, far below Redis's 512 MB cap on a value.</summary>
    public const int DefaultChunkBytes = 16 << 20;

    /// <summary>The largest chunk allowed: Redis refuses values over 512 MB.</summary>
    public const int MaxChunkBytes = 512 << 20;

    /// <summary>
    /// How long one call to the server (the manifest, or one chunk) may take before the operation
    /// gives up as unavailable; default 5 s, so an unreachable or hanging server costs a build
    /// seconds, not minutes.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The size of the chunks an artifact is stored in; default 16 MiB.</summary>
    public int ChunkBytes { get; init; } = DefaultChunkBytes;

    /// <summary>How long a published entry lives, or null for as long as the server keeps it (its eviction policy decides).</summary>
    public TimeSpan? TimeToLive { get; init; }

    /// <summary>The writers' ECDSA P-256 private key (PKCS#8 DER): every published manifest is signed with it; null: entries are published unsigned.</summary>
    public byte[]? SigningKey { get; init; }

    /// <summary>
    /// The writers' ECDSA P-256 public key (SubjectPublicKeyInfo DER): a fetch refuses any entry not
    /// signed with its private half; null: any consistent entry is used, so the reader trusts
    /// whoever can write to the server.
    /// </summary>
    public byte[]? TrustedKey { get; init; }
}
