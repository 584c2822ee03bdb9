using System.Security.Cryptography;
using System.Text;

namespace Qllm.Core.IO;

/// <summary>
/// The one SHA-256 digest of a file's bytes and of a folder's files, as lower-case hex. The build's
/// cache keys, the inputs an artifact records, the local store's entries and the setup's checksums
/// all use it, so one folder has one digest wherever it is reported.
/// </summary>
public static class ContentDigest
{
    private const int BufferSize = 1 << 20;

    /// <summary>The digest of <paramref name="path"/>: a file's, or a folder's (<see cref="OfFolder(string)"/>).</summary>
    public static string Of(string path) => Directory.Exists(path) ? OfFolder(path) : OfFile(path);

    /// <summary>The SHA-256 of a file's bytes.</summary>
    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        return OfStream(stream);
    }

    /// <summary>The SHA-256 of a stream's bytes from its position to its end.</summary>
    public static string OfStream(Stream stream) => ToHex(SHA256.HashData(stream));

    /// <summary>A SHA-256 (or any digest) as lower-case hex, the form every digest is written in.</summary>
    public static string ToHex(ReadOnlySpan<byte> digest) => Convert.ToHexStringLower(digest);

    /// <summary>The digest of a folder's files, each file's bytes read and hashed (<see cref="OfFolder(string, Func{string, string})"/>).</summary>
    public static string OfFolder(string folder) => OfFolder(folder, OfFile);

    /// <summary>
    /// The digest of a folder: SHA-256 over <c>name\nhex\n</c> of each of its files, in ordinal name
    /// order, with each file's hex digest from <paramref name="fileDigest"/> (which gets the file's
    /// full path, so a caller can answer from what it remembers instead of reading the file again).
    /// </summary>
    /// <remarks>
    /// The files counted are <see cref="FilesOf"/>'s. The formula is the one cache keys have always
    /// used, so changing who computes it changed no key.
    /// </remarks>
    public static string OfFolder(string folder, Func<string, string> fileDigest)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in FilesOf(folder))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{Path.GetFileName(file)}\n{fileDigest(file)}\n"));
        }

        return ToHex(hash.GetHashAndReset());
    }

    /// <summary>
    /// The files a folder's digest covers: those directly in it, hidden ones included, in ordinal
    /// name order, as full paths. Subfolders are not read (a Hugging Face model folder is flat, and a
    /// cache or VCS folder inside it must not change the model's digest).
    /// </summary>
    public static IReadOnlyList<string> FilesOf(string folder) =>
        [.. Directory.GetFiles(Path.GetFullPath(folder)).Order(StringComparer.Ordinal)];
}
