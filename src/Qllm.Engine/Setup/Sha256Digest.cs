using System.Security.Cryptography;

namespace Qllm.Engine.Setup;

/// <summary>SHA-256 digests as lower-case hex, the form the checksums are written in.</summary>
internal static class Sha256Digest
{
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string ToHex(ReadOnlySpan<byte> digest) => Convert.ToHexStringLower(digest);
}
