using System.Security.Cryptography;
using Qllm.Core.IO;

namespace Qllm.Cache;

/// <summary>How <see cref="FileDigestCache"/> hashes a file's bytes, and how it writes the digest.</summary>
/// <param name="Compute">Reads a stream to its end and returns its digest as text.</param>
internal sealed record FileHash(Func<Stream, string> Compute)
{
    /// <summary>SHA-256, lower-case hex (<see cref="ContentDigest"/>): the digests in cache keys.</summary>
    public static FileHash Sha256Hex { get; } = new(ContentDigest.OfStream);

    /// <summary>
    /// SHA-512, base64: what NuGet writes in a package's .nupkg.sha512, checked against a package's
    /// bytes; a digest of another purpose, in NuGet's form, so it is not <see cref="ContentDigest"/>'s.
    /// </summary>
    public static FileHash Sha512Base64 { get; } = new(stream => Convert.ToBase64String(SHA512.HashData(stream)));
}
