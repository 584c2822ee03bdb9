using System.Text.Json;
using Qllm.Core.IO;

namespace Qllm.Cache;

/// <summary>
/// Digests of files (SHA-256 of the inputs of cache keys; SHA-512 of model packages), remembered by
/// (path, length, last write time) in a small JSON file under obj/, so an unchanged multi-GB file
/// is not read again on every build. A file whose time changed but whose bytes did not is hashed
/// again and keeps its digest, so touching a file never changes a cache key.
/// </summary>
internal sealed class FileDigestCache
{
    private readonly string? _path;
    private readonly FileHash _hash;
    private readonly Dictionary<string, FileDigest> _digests;
    private bool _changed;

    private FileDigestCache(string? path, FileHash hash, Dictionary<string, FileDigest> digests)
    {
        _path = path;
        _hash = hash;
        _digests = digests;
    }

    /// <summary>How many files were read and hashed since this cache was loaded (the rest came from the cache).</summary>
    public int FilesHashed { get; private set; }

    /// <summary>
    /// Loads the cache at <paramref name="path"/> (null: remember nothing); a missing or unreadable
    /// file is an empty cache. <paramref name="hash"/> is SHA-256 hex unless given; one file holds one kind.
    /// </summary>
    public static FileDigestCache Load(string? path, FileHash? hash = null)
    {
        var digests = new Dictionary<string, FileDigest>(StringComparer.Ordinal);
        try
        {
            if (path is not null && File.Exists(path))
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

        return new FileDigestCache(path, hash ?? FileHash.Sha256Hex, digests);
    }

    /// <summary>
    /// The digest of a file, or of a folder's files by <see cref="ContentDigest.OfFolder(string, Func{string, string})"/>'s
    /// formula (the one the artifact records), each file's digest answered from this cache when it can be.
    /// </summary>
    public string Digest(string path) =>
        Directory.Exists(path) ? ContentDigest.OfFolder(path, DigestOfFile) : DigestOfFile(Path.GetFullPath(path));

    /// <summary>Writes the cache back (atomically) when a digest was added or replaced.</summary>
    public void SaveIfChanged()
    {
        if (!_changed || _path is null)
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
            return known.Digest;
        }

        string digest;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20))
        {
            digest = _hash.Compute(stream);
        }

        FilesHashed++;
        _digests[path] = new FileDigest(path, length, ticks, digest);
        _changed = true;
        return digest;
    }
}
