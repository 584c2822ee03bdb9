namespace Qllm.Cache;

/// <summary>One remembered file digest of <see cref="FileDigestCache"/>.</summary>
/// <param name="Path">The full path.</param>
/// <param name="Length">The file's length when it was hashed.</param>
/// <param name="LastWriteUtcTicks">The file's last write time when it was hashed.</param>
/// <param name="Digest">The digest, as the cache's <see cref="FileHash"/> writes it.</param>
internal sealed record FileDigest(string Path, long Length, long LastWriteUtcTicks, string Digest);
