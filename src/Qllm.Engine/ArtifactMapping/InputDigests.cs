using System.Security.Cryptography;

namespace Qllm.Engine.ArtifactMapping;

/// <summary>SHA-256 digests of a run's inputs, recorded in the artifact so it says what it was made from.</summary>
internal static class InputDigests
{
    /// <summary>The digest of a file, or of a folder's files (name and content, in ordinal name order).</summary>
    public static string Of(string path)
    {
        if (!Directory.Exists(path))
        {
            using var file = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(file));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(path).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            using var stream = File.OpenRead(file);
            hash.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
