using System.Text.Json;
using Qllm.Core.Errors;
using Qllm.Core.IO;

namespace Qllm.Cache;

/// <summary>
/// The local content-addressed store: one folder per cache key under <c>v1/entries</c>, holding
/// the artifact and its manifest. An entry is built in a staging folder and renamed into place
/// whole, so a killed run leaves no entry; every read checks the artifact's SHA-256, and a bad
/// entry is removed and reported as a miss; a lock per key makes concurrent builds of the same
/// key quantize once.
/// </summary>
internal sealed class LocalArtifactStore
{
    /// <summary>The artifact's name inside an entry.</summary>
    public const string ArtifactFileName = "model.qllm";

    /// <summary>The manifest's name inside an entry.</summary>
    public const string ManifestFileName = "entry.json";

    /// <summary>Creates a store over <paramref name="root"/> (created on first write).</summary>
    public LocalArtifactStore(string root) => Root = Path.GetFullPath(root);

    /// <summary>The store's folder.</summary>
    public string Root { get; }

    private string Entries => Path.Combine(Root, "v1", "entries");

    private string Staging => Path.Combine(Root, "v1", "staging");

    private string Locks => Path.Combine(Root, "v1", "locks");

    /// <summary>Looks <paramref name="key"/> up and verifies the artifact's digest; a bad entry is removed.</summary>
    public CacheLookup TryGet(string key)
    {
        var folder = EntryFolder(key);
        if (!Directory.Exists(folder))
        {
            return new CacheLookup(null, null);
        }

        var (entry, problem) = Read(folder);
        if (entry is null || entry.Manifest.Key != key)
        {
            Evict(folder);
            return new CacheLookup(null, problem ?? "its manifest names another key");
        }

        Directory.SetLastWriteTimeUtc(folder, DateTime.UtcNow);
        return new CacheLookup(entry with { LastUsedUtc = DateTime.UtcNow }, null);
    }

    /// <summary>Takes the lock of <paramref name="key"/>; waits while another process holds it.</summary>
    public StoreLock Lock(string key, Action? onWaiting, CancellationToken cancellation)
    {
        CreateFolder(Locks);
        return StoreLock.Acquire(LockPath(key), onWaiting, cancellation);
    }

    /// <summary>
    /// A fresh staging folder for <paramref name="key"/>, where the tool writes the artifact. Call
    /// with the key's lock held: staging folders a killed run left for this key are removed first.
    /// </summary>
    public string CreateStaging(string key)
    {
        CreateFolder(Staging);
        foreach (var stale in Directory.GetDirectories(Staging, key + ".*"))
        {
            DeleteFolder(stale);
        }

        var folder = Path.Combine(Staging, $"{key}.{Guid.NewGuid():N}");
        CreateFolder(folder);
        return folder;
    }

    /// <summary>The path the tool should write the artifact to inside <paramref name="stagingFolder"/>.</summary>
    public static string StagedArtifactPath(string stagingFolder) => Path.Combine(stagingFolder, ArtifactFileName);

    /// <summary>
    /// Turns a staging folder holding a finished artifact into the entry of <paramref name="key"/>:
    /// digests the artifact, writes the manifest, and renames the folder into place. Call with the key's lock held.
    /// </summary>
    public CacheEntry Commit(string key, string stagingFolder, string model, string description)
    {
        var artifact = StagedArtifactPath(stagingFolder);
        var manifest = new CacheEntryManifest(key, ContentDigest.OfFile(artifact), new FileInfo(artifact).Length, DateTime.UtcNow, model, description);
        AtomicFile.Write(Path.Combine(stagingFolder, ManifestFileName), stream => JsonSerializer.Serialize(stream, manifest, CacheJson.Default.CacheEntryManifest));
        CreateFolder(Entries);
        var folder = EntryFolder(key);
        if (Directory.Exists(folder))
        {
            Evict(folder);
        }

        try
        {
            Directory.Move(stagingFolder, folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DeleteFolder(stagingFolder);
            throw NotWritable(e);
        }

        return new CacheEntry(folder, manifest, DateTime.UtcNow);
    }

    /// <summary>Every entry whose manifest can be read, most recently used first (digests are not checked: see <see cref="Verify"/>).</summary>
    public IReadOnlyList<CacheEntry> List() =>
        [.. EntryFolders().Select(ReadManifestOnly).OfType<CacheEntry>().OrderByDescending(e => e.LastUsedUtc)];

    /// <summary>Checks every entry's digest; bad entries are removed and returned with the reason.</summary>
    public IReadOnlyList<(string Folder, string Problem)> Verify()
    {
        var bad = new List<(string, string)>();
        foreach (var folder in EntryFolders())
        {
            using var held = TryLock(Path.GetFileName(folder));
            if (held is null)
            {
                continue;
            }

            if (Read(folder).Problem is { } problem)
            {
                Evict(folder);
                bad.Add((folder, problem));
            }
        }

        RemoveStaleStaging();
        return bad;
    }

    /// <summary>Removes least recently used entries until the store holds at most <paramref name="maxBytes"/>; returns what was removed.</summary>
    public IReadOnlyList<CacheEntry> Trim(long maxBytes)
    {
        RemoveStaleStaging();
        var entries = List().OrderBy(e => e.LastUsedUtc).ToList();
        var total = entries.Sum(e => e.Manifest.Bytes);
        var removed = new List<CacheEntry>();
        foreach (var entry in entries)
        {
            if (total <= maxBytes)
            {
                break;
            }

            using var held = TryLock(Path.GetFileName(entry.Folder));
            if (held is null)
            {
                continue;
            }

            Evict(entry.Folder);
            total -= entry.Manifest.Bytes;
            removed.Add(entry);
        }

        return removed;
    }

    /// <summary>Removes every entry that no build is writing; returns how many.</summary>
    public int Clear() => Trim(0).Count + RemoveUnreadable();

    private static (CacheEntry? Entry, string? Problem) Read(string folder)
    {
        if (ReadManifestOnly(folder) is not { } entry)
        {
            return (null, "its manifest is missing or unreadable");
        }

        var artifact = entry.ArtifactPath;
        if (!File.Exists(artifact))
        {
            return (null, "its artifact is missing");
        }

        var length = new FileInfo(artifact).Length;
        if (length != entry.Manifest.Bytes)
        {
            return (null, $"its artifact is {length} bytes, the manifest says {entry.Manifest.Bytes}");
        }

        return ContentDigest.OfFile(artifact) == entry.Manifest.Sha256 ? (entry, null) : (null, "its artifact's SHA-256 does not match the manifest");
    }

    private static CacheEntry? ReadManifestOnly(string folder)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(folder, ManifestFileName)), CacheJson.Default.CacheEntryManifest);
            return manifest is null ? null : new CacheEntry(folder, manifest, Directory.GetLastWriteTimeUtc(folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private int RemoveUnreadable()
    {
        var removed = 0;
        foreach (var folder in EntryFolders().Where(f => ReadManifestOnly(f) is null))
        {
            Evict(folder);
            removed++;
        }

        return removed;
    }

    /// <summary>Staging folders whose key nobody holds were left by a killed run.</summary>
    private void RemoveStaleStaging()
    {
        if (!Directory.Exists(Staging))
        {
            return;
        }

        foreach (var folder in Directory.GetDirectories(Staging))
        {
            var key = Path.GetFileName(folder).Split('.')[0];
            using var held = TryLock(key);
            if (held is not null)
            {
                DeleteFolder(folder);
            }
        }
    }

    /// <summary>Moves an entry out of the entries folder first, so a half-deleted entry never looks like one.</summary>
    private void Evict(string folder)
    {
        CreateFolder(Staging);
        var doomed = Path.Combine(Staging, $"{Path.GetFileName(folder)}.{Guid.NewGuid():N}.evicted");
        try
        {
            Directory.Move(folder, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        DeleteFolder(doomed);
    }

    private string[] EntryFolders() => Directory.Exists(Entries) ? Directory.GetDirectories(Entries) : [];

    private string EntryFolder(string key) => Path.Combine(Entries, key);

    private string LockPath(string key) => Path.Combine(Locks, key + ".lock");

    /// <summary>
    /// The lock of <paramref name="key"/> if nobody holds it. The locks folder is created first: a
    /// store whose locks folder is gone (deleted, or entries restored without it) would otherwise
    /// fail every attempt, which looks like every key being held, and nothing would ever be trimmed.
    /// </summary>
    private StoreLock? TryLock(string key)
    {
        CreateFolder(Locks);
        return StoreLock.TryAcquire(LockPath(key));
    }

    private void CreateFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(e);
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    private QllmException NotWritable(Exception inner) =>
        new(ErrorCodes.CacheNotWritable, Root, $"the artifact cache cannot be written ({inner.Message})",
            "make the folder writable, or point QllmCacheDir (MSBuild) or QLLM_CACHE_DIR at another folder", inner);
}
