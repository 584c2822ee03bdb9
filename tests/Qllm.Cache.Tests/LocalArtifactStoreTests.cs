using System.Security.Cryptography;
using System.Text;
using Qllm.Cache;

namespace Qllm.Cache.Tests;

public sealed class LocalArtifactStoreTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TemporaryFolder _folder = new();
    private readonly LocalArtifactStore _store;

    public LocalArtifactStoreTests() => _store = new LocalArtifactStore(Path.Combine(_folder.Path, "cache"));

    [Fact]
    public void An_empty_store_is_a_miss_and_creates_nothing()
    {
        var lookup = _store.TryGet(Key("a"));
        Assert.False(lookup.Hit);
        Assert.Null(lookup.Evicted);
        Assert.Empty(_store.List());
        Assert.Empty(_store.Verify());
        Assert.Empty(_store.Trim(0));
        Assert.Equal(0, _store.Clear());
        Assert.False(Directory.Exists(_store.Root));
    }

    [Fact]
    public void A_committed_artifact_is_a_verified_hit()
    {
        var bytes = Bytes(4096, seed: 1);
        var committed = Put("a", bytes);

        var lookup = _store.TryGet(Key("a"));
        Assert.True(lookup.Hit);
        Assert.Null(lookup.Evicted);
        var entry = lookup.Entry!;
        Assert.Equal(committed.Folder, entry.Folder);
        Assert.Equal(Key("a"), entry.Manifest.Key);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), entry.Manifest.Sha256);
        Assert.Equal(bytes.Length, entry.Manifest.Bytes);
        Assert.Equal("model-a", entry.Manifest.Model);
        Assert.Equal("{\"a\":1}", entry.Manifest.Description);
        Assert.Equal(bytes, File.ReadAllBytes(entry.ArtifactPath));
    }

    [Fact]
    public void One_flipped_byte_is_a_miss_that_removes_the_entry()
    {
        var entry = Put("a", Bytes(4096, seed: 1));
        using (var artifact = new FileStream(entry.ArtifactPath, FileMode.Open, FileAccess.ReadWrite))
        {
            artifact.Position = 2000;
            var value = artifact.ReadByte();
            artifact.Position = 2000;
            artifact.WriteByte((byte)(value ^ 0x01));
        }

        var lookup = _store.TryGet(Key("a"));
        Assert.False(lookup.Hit);
        Assert.Contains("SHA-256", lookup.Evicted, StringComparison.Ordinal);
        Assert.False(Directory.Exists(entry.Folder));
        Assert.Empty(_store.List());
    }

    [Fact]
    public void A_truncated_artifact_is_a_miss_that_removes_the_entry()
    {
        var entry = Put("a", Bytes(4096, seed: 1));
        using (var artifact = new FileStream(entry.ArtifactPath, FileMode.Open, FileAccess.ReadWrite))
        {
            artifact.SetLength(1000);
        }

        var lookup = _store.TryGet(Key("a"));
        Assert.False(lookup.Hit);
        Assert.Contains("1000 bytes", lookup.Evicted, StringComparison.Ordinal);
        Assert.False(Directory.Exists(entry.Folder));
    }

    [Fact]
    public void An_entry_without_its_manifest_is_a_miss_that_removes_it()
    {
        var entry = Put("a", Bytes(100, seed: 1));
        File.Delete(Path.Combine(entry.Folder, LocalArtifactStore.ManifestFileName));

        var lookup = _store.TryGet(Key("a"));
        Assert.False(lookup.Hit);
        Assert.Contains("manifest", lookup.Evicted, StringComparison.Ordinal);
        Assert.False(Directory.Exists(entry.Folder));
    }

    [Theory]
    [InlineData("{\"key\":\"KEY\"}")]
    [InlineData("{\"key\":null,\"sha256\":null,\"bytes\":100,\"createdUtc\":\"2020-01-01T00:00:00Z\",\"model\":null,\"description\":null}")]
    [InlineData("null")]
    public void An_entry_whose_manifest_lacks_a_field_is_a_miss_that_removes_it(string manifest)
    {
        var entry = Put("a", Bytes(100, seed: 1));
        File.WriteAllText(Path.Combine(entry.Folder, LocalArtifactStore.ManifestFileName), manifest.Replace("KEY", Key("a"), StringComparison.Ordinal));
        Assert.Empty(_store.List());

        var lookup = _store.TryGet(Key("a"));
        Assert.False(lookup.Hit);
        Assert.Contains("manifest", lookup.Evicted, StringComparison.Ordinal);
        Assert.False(Directory.Exists(entry.Folder));
    }

    [Fact]
    public void Committing_a_key_again_replaces_its_entry()
    {
        Put("a", Bytes(100, seed: 1));
        var second = Bytes(200, seed: 2);
        Put("a", second);

        var lookup = _store.TryGet(Key("a"));
        Assert.Equal(second, File.ReadAllBytes(lookup.Entry!.ArtifactPath));
        Assert.Single(_store.List());
    }

    [Fact]
    public void A_killed_run_leaves_no_entry_and_its_staging_folder_is_removed_by_the_next_run()
    {
        var killed = KilledRun("a");
        Assert.Empty(_store.List());
        Assert.False(_store.TryGet(Key("a")).Hit);

        var next = _store.CreateStaging(Key("a"));
        Assert.False(Directory.Exists(killed));
        Assert.True(Directory.Exists(next));
    }

    [Fact]
    public void Verify_removes_what_a_killed_run_left()
    {
        Put("b", Bytes(100, seed: 1));
        var killed = KilledRun("a");
        Assert.Empty(_store.Verify());
        Assert.False(Directory.Exists(killed));
        Assert.Single(_store.List());
    }

    [Fact]
    public void Trim_removes_what_a_killed_run_left()
    {
        var killed = KilledRun("a");
        Assert.Empty(_store.Trim(long.MaxValue));
        Assert.False(Directory.Exists(killed));
    }

    [Fact]
    public void A_staging_folder_whose_key_is_locked_is_left_to_the_run_writing_it()
    {
        using var writing = _store.Lock(Key("a"), onWaiting: null, CancellationToken.None);
        var staging = _store.CreateStaging(Key("a"));
        _store.Verify();
        _store.Trim(0);
        Assert.True(Directory.Exists(staging));
    }

    [Fact]
    public void Verify_removes_bad_entries_with_the_reason_and_keeps_good_ones()
    {
        Put("good", Bytes(100, seed: 1));
        var bad = Put("bad", Bytes(100, seed: 2));
        File.WriteAllBytes(bad.ArtifactPath, Bytes(100, seed: 3));

        var removed = Assert.Single(_store.Verify());
        Assert.Equal(bad.Folder, removed.Folder);
        Assert.Contains("SHA-256", removed.Problem, StringComparison.Ordinal);
        Assert.Equal(Key("good"), Assert.Single(_store.List()).Manifest.Key);
    }

    [Fact]
    public void Trim_removes_the_least_recently_used_first_until_the_store_fits()
    {
        var now = DateTime.UtcNow;
        UsedAt(Put("new", Bytes(100, seed: 1)), now.AddHours(-1));
        UsedAt(Put("old", Bytes(100, seed: 2)), now.AddHours(-3));
        UsedAt(Put("mid", Bytes(100, seed: 3)), now.AddHours(-2));

        var removed = _store.Trim(150);
        Assert.Equal([Key("old"), Key("mid")], removed.Select(e => e.Manifest.Key));
        Assert.Equal(Key("new"), Assert.Single(_store.List()).Manifest.Key);
    }

    [Fact]
    public void Trim_keeps_everything_that_already_fits()
    {
        Put("a", Bytes(100, seed: 1));
        Put("b", Bytes(100, seed: 2));
        Assert.Empty(_store.Trim(200));
        Assert.Equal(2, _store.List().Count);
    }

    [Fact]
    public void Reading_an_entry_makes_it_the_most_recently_used()
    {
        var now = DateTime.UtcNow;
        UsedAt(Put("a", Bytes(100, seed: 1)), now.AddHours(-3));
        UsedAt(Put("b", Bytes(100, seed: 2)), now.AddHours(-2));
        Assert.True(_store.TryGet(Key("a")).Hit);

        Assert.Equal([Key("a"), Key("b")], _store.List().Select(e => e.Manifest.Key));
        Assert.Equal(Key("b"), Assert.Single(_store.Trim(100)).Manifest.Key);
    }

    [Fact]
    public void Trim_leaves_an_entry_whose_key_a_build_holds()
    {
        Put("a", Bytes(100, seed: 1));
        using (_store.Lock(Key("a"), onWaiting: null, CancellationToken.None))
        {
            Assert.Empty(_store.Trim(0));
        }

        Assert.Single(_store.Trim(0));
    }

    [Fact]
    public void Clear_empties_the_store()
    {
        Put("a", Bytes(100, seed: 1));
        Put("b", Bytes(100, seed: 2));
        var unreadable = Put("c", Bytes(100, seed: 3));
        File.WriteAllText(Path.Combine(unreadable.Folder, LocalArtifactStore.ManifestFileName), "{");

        Assert.Equal(3, _store.Clear());
        Assert.Empty(_store.List());
        Assert.Empty(Directory.GetDirectories(Path.Combine(_store.Root, "v1", "entries")));
    }

    [Fact]
    public void A_second_build_of_the_same_key_waits_for_the_first()
    {
        var first = _store.Lock(Key("a"), onWaiting: null, CancellationToken.None);
        using var waiting = new ManualResetEventSlim();
        using var acquired = new ManualResetEventSlim();
        var second = new Thread(() =>
        {
            using var held = _store.Lock(Key("a"), waiting.Set, CancellationToken.None);
            acquired.Set();
        });
        second.Start();

        Assert.True(waiting.Wait(Patience));
        Assert.False(acquired.IsSet);
        first.Dispose();
        Assert.True(acquired.Wait(Patience));
        Assert.True(second.Join(Patience));
    }

    [Fact]
    public void Different_keys_do_not_wait_for_each_other()
    {
        using var first = _store.Lock(Key("a"), onWaiting: null, CancellationToken.None);
        var waited = false;
        using var second = _store.Lock(Key("b"), () => waited = true, CancellationToken.None);
        Assert.False(waited);
    }

    public void Dispose() => _folder.Dispose();

    private static string Key(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    private CacheEntry Put(string name, byte[] artifact)
    {
        var staging = _store.CreateStaging(Key(name));
        File.WriteAllBytes(LocalArtifactStore.StagedArtifactPath(staging), artifact);
        return _store.Commit(Key(name), staging, "model-" + name, "{\"" + name + "\":1}");
    }

    /// <summary>What a run killed half-way through writing leaves: a staging folder with part of an artifact, never committed.</summary>
    private string KilledRun(string name)
    {
        var staging = _store.CreateStaging(Key(name));
        File.WriteAllBytes(LocalArtifactStore.StagedArtifactPath(staging), Bytes(10, seed: 9));
        return staging;
    }

    private static void UsedAt(CacheEntry entry, DateTime utc) => Directory.SetLastWriteTimeUtc(entry.Folder, utc);

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
