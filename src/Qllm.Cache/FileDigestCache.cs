using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Qllm.IO;

namespace Qllm.Cache;

/// <summary>
/// SHA-256 digests of input files, remembered by (path, length, last write time) in a small JSON
/// file under obj/, so an unchanged multi-GB model is not read again on every build. A file whose
/// time changed but whose bytes did not is hashed again and keeps its digest, so touching a file
/// never changes a cache key.
/// </summary>
internal sealed class FileDigestCache
{
    private readonly string _path;
    private readonly Dictionary<string, FileDigest> _digests;
    private bool _changed;

    private FileDigestCache(string path, Dictionary<string, FileDigest> digests)
    {
        _path = path;
        _digests = digests;
    }

    /// <summary>How many files were read and hashed since this cache was loaded (the rest came from the cache).</summary>
    public int FilesHashed { get; private set; }

    /// <summary>Loads the cache at <paramref name="path"/>; a missing or unreadable file is an empty cache.</summary>
    public static FileDigestCache Load(string path)
    {
        var digests = new Dictionary<string, FileDigest>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(path))
            {
                // Null elements are not covered by the options that refuse null properties.
                foreach (var digest in (JsonSerializer.Deserialize(File.ReadAllBytes(path), CacheJson.Default.FileDigestArray) ?? []).OfType<FileDigest>())
                {
                    digests[digest.Path] = digest;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // A damaged stat cache only costs hashing again.
            digests.Clear();
        }

        return new FileDigestCache(path, digests);
    }

    /// <summary>The digest of a file, or of a folder's files (each name and digest, in ordinal name order).</summary>
    public string Digest(string path)
    {
        if (!Directory.Exists(path))
        {
            return DigestOfFile(Path.GetFullPath(path));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.GetFiles(path).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{Path.GetFileName(file)}\n{DigestOfFile(Path.GetFullPath(file))}\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes the cache back (atomically) when a digest was added or replaced.</summary>
    public void SaveIfChanged()
    {
        if (!_changed)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var digests = _digests.Values.Where(d => File.Exists(d.Path)).OrderBy(d => d.Path, StringComparer.Ordinal).ToArray();
        AtomicFile.Write(_path, stream => JsonSerializer.Serialize(stream, digests, CacheJson.Default.FileDigestArray));
        _changed = false;
    }

    private string DigestOfFile(string path)
    {
        var info = new FileInfo(path);
        var length = info.Length;
        var ticks = info.LastWriteTimeUtc.Ticks;
        if (_digests.TryGetValue(path, out var known) && known.Length == length && known.LastWriteUtcTicks == ticks)
        {
            return known.Sha256;
        }

        string sha256;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        FilesHashed++;
        _digests[path] = new FileDigest(path, length, ticks, sha256);
        _changed = true;
        return sha256;
    }
}
