namespace Qllm.Cache.Remote;

/// <summary>
/// The shared tier's entry for one key, stored last under <c>qllm:v1:{key}</c>: which writer's
/// chunks hold the artifact, the length and digest they must add up to, and who vouches for them.
/// </summary>
/// <param name="Sha256">The artifact's SHA-256, lower-case hex.</param>
/// <param name="Bytes">The artifact's length.</param>
/// <param name="ChunkBytes">The length of every chunk but the last.</param>
/// <param name="Chunks">How many chunks there are.</param>
/// <param name="Writer">The id (a GUID, 32 hex digits) that names this publication's chunks.</param>
/// <param name="Signature">
/// The publisher's signature of (key, <paramref name="Sha256"/>, <paramref name="Bytes"/>), see
/// <see cref="RemoteEntrySignature"/>; null when the publisher had no signing key. Readers with a
/// trusted key refuse an entry without a valid one.
/// </param>
internal sealed record RemoteManifest(string Sha256, long Bytes, int ChunkBytes, int Chunks, string Writer, string? Signature = null)
{
    /// <summary>The length chunk <paramref name="index"/> must have.</summary>
    public int ChunkLength(int index) => (int)Math.Min(ChunkBytes, Bytes - ((long)index * ChunkBytes));

    /// <summary>What makes this manifest impossible, or null when its fields agree with each other.</summary>
    public string? Problem()
    {
        if (Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigitLower))
        {
            return "its manifest's sha256 is not a SHA-256 digest";
        }

        // A writer id that is not a bare GUID could point the chunk keys at other entries.
        if (!Guid.TryParseExact(Writer, "N", out _))
        {
            return "its manifest's writer is not a writer id";
        }

        if (Bytes < 0 || ChunkBytes <= 0 || ChunkBytes > RemoteCacheOptions.MaxChunkBytes)
        {
            return $"its manifest's sizes are impossible ({Bytes} bytes in chunks of {ChunkBytes})";
        }

        var expected = (Bytes + ChunkBytes - 1) / ChunkBytes;
        return Chunks == expected ? null : $"its manifest says {Chunks} chunks for {Bytes} bytes in chunks of {ChunkBytes} (that takes {expected})";
    }
}
