using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Qllm.Cache;

namespace Qllm.Tool.Tests.Commands.Cache;

public sealed class CacheCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-cache-cli-").FullName;
    private readonly LocalArtifactStore _store;

    public CacheCommandTests() => _store = new LocalArtifactStore(_folder);

    [Fact]
    public async Task Ls_json_lists_the_entries_most_recently_used_first()
    {
        var old = Put("old", 300);
        var recent = Put("recent", 200);
        Directory.SetLastWriteTimeUtc(old.Folder, DateTime.UtcNow.AddDays(-2));
        Directory.SetLastWriteTimeUtc(recent.Folder, DateTime.UtcNow.AddHours(-1));

        var run = await Cache("ls", "--json");
        Assert.Equal(0, run.ExitCode);
        var root = Json(run.Output);
        Assert.Equal(_folder, root.GetProperty("cacheDir").GetString());
        Assert.Equal(500, root.GetProperty("totalBytes").GetInt64());
        var entries = root.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([Key("recent"), Key("old")], entries.Select(e => e.GetProperty("key").GetString()));
        var first = entries[0];
        Assert.Equal(200, first.GetProperty("bytes").GetInt64());
        Assert.Equal(recent.Manifest.Sha256, first.GetProperty("sha256").GetString());
        Assert.Equal("model-recent", first.GetProperty("model").GetString());
        Assert.Equal(recent.Manifest.CreatedUtc, first.GetProperty("createdUtc").GetDateTime().ToUniversalTime());
        Assert.True(first.GetProperty("lastUsedUtc").GetDateTime() > DateTime.UtcNow.AddHours(-2));
    }

    [Fact]
    public async Task Ls_prints_one_line_per_entry_and_a_total()
    {
        var entry = Put("a", 2048);
        Directory.SetLastWriteTimeUtc(entry.Folder, new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc));

        var run = await Cache("ls");
        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches($"^{Key("a")[..12]} +2.0 KB  2024-05-06T07:08Z  model-a$", lines[0]);
        Assert.Equal($"1 entry, 2.0 KB in {_folder}", lines[1]);
    }

    [Fact]
    public async Task Ls_on_a_missing_cache_lists_nothing_and_creates_nothing()
    {
        var missing = Path.Combine(_folder, "absent");
        var run = await QllmRun.InvokeAsync("cache", "ls", "--cache-dir", missing, "--json");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(0, Json(run.Output).GetProperty("entries").GetArrayLength());
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Verify_removes_a_corrupt_entry_and_still_succeeds()
    {
        Put("good", 100);
        var bad = Put("bad", 100);
        File.WriteAllBytes(bad.ArtifactPath, new byte[100]);

        var run = await Cache("verify");
        Assert.Equal(0, run.ExitCode);
        // A coded warning in canonical form, one line, on stderr; the summary stays on stdout.
        var warning = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"{bad.Folder}: warning QLLM4002: removed the corrupt cache entry: its artifact's SHA-256 does not match the manifest; the next build that needs it quantizes the model again", warning);
        Assert.Equal("1 entry verified, 1 removed\n", run.Output);
        Assert.Equal(Key("good"), Assert.Single(_store.List()).Manifest.Key);
    }

    [Fact]
    public async Task Verify_json_names_the_removed_folder_and_the_problem()
    {
        var bad = Put("bad", 100);
        using (var artifact = new FileStream(bad.ArtifactPath, FileMode.Open))
        {
            artifact.SetLength(10);
        }

        var run = await Cache("verify", "--json");
        Assert.Equal(0, run.ExitCode);
        var root = Json(run.Output);
        Assert.Equal(0, root.GetProperty("verified").GetInt32());
        var removed = Assert.Single(root.GetProperty("removed").EnumerateArray().ToList());
        Assert.Equal(bad.Folder, removed.GetProperty("folder").GetString());
        Assert.Contains("10 bytes", removed.GetProperty("problem").GetString(), StringComparison.Ordinal);
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task Trim_to_zero_removes_every_entry()
    {
        Put("a", 100);
        Put("b", 100);

        var run = await Cache("trim", "--max-size", "0", "--json");
        Assert.Equal(0, run.ExitCode);
        var root = Json(run.Output);
        Assert.Equal(0, root.GetProperty("totalBytes").GetInt64());
        Assert.Equal(
            new[] { Key("a"), Key("b") }.Order(StringComparer.Ordinal),
            root.GetProperty("removed").EnumerateArray().Select(k => k.GetString()!).Order(StringComparer.Ordinal));
        Assert.Empty(_store.List());
    }

    [Fact]
    public async Task Trim_removes_the_least_recently_used_until_the_size_fits()
    {
        var old = Put("old", 1024);
        var recent = Put("recent", 1024);
        Directory.SetLastWriteTimeUtc(old.Folder, DateTime.UtcNow.AddDays(-2));
        Directory.SetLastWriteTimeUtc(recent.Folder, DateTime.UtcNow.AddDays(-1));

        var run = await Cache("trim", "--max-size", "1.5KB");
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith($"removed {Key("old")[..12]}", run.Output, StringComparison.Ordinal);
        Assert.EndsWith($"1 entry, 1.0 KB left in {_folder}\n", run.Output, StringComparison.Ordinal);
        Assert.Equal(Key("recent"), Assert.Single(_store.List()).Manifest.Key);
    }

    [Fact]
    public async Task Clear_removes_every_entry()
    {
        Put("a", 100);
        Put("b", 100);
        Put("c", 100);

        var run = await Cache("clear");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal($"removed 3 entries from {_folder}\n", run.Output);
        Assert.Empty(_store.List());

        var again = await Cache("clear", "--json");
        Assert.Equal(0, Json(again.Output).GetProperty("removed").GetInt32());
    }

    [Fact]
    public async Task An_unreadable_size_is_a_coded_error_naming_the_value()
    {
        Put("a", 100);
        var run = await Cache("trim", "--max-size", "banana");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("qllm: error QLLM4003: --max-size 'banana' is not a size; ", run.Error, StringComparison.Ordinal);
        Assert.Contains("500MB", run.Error, StringComparison.Ordinal);
        Assert.Single(_store.List());
    }

    [Fact]
    public async Task Trim_without_a_size_is_a_bad_command_line()
    {
        var run = await Cache("trim");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--max-size", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<QllmRun> Cache(params string[] args) => QllmRun.InvokeAsync(["cache", .. args, "--cache-dir", _folder]);

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string Key(string name) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    /// <summary>Stores an artifact the way a build does: staged, then committed.</summary>
    private CacheEntry Put(string name, int length)
    {
        var staging = _store.CreateStaging(Key(name));
        var bytes = new byte[length];
        new Random(length + name.Length).NextBytes(bytes);
        File.WriteAllBytes(LocalArtifactStore.StagedArtifactPath(staging), bytes);
        return _store.Commit(Key(name), staging, "model-" + name, "{}");
    }
}
