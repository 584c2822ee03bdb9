using System.Security.Cryptography;
using System.Text;
using Qllm.Cache;
using Qllm.Core.IO;

namespace Qllm.Cache.Tests;

public sealed class FileDigestCacheTests : IDisposable
{
    private static readonly DateTime AnHourAgo = DateTime.UtcNow.AddHours(-1);
    private readonly TemporaryFolder _folder = new();

    private string CachePath => _folder.File(Path.Combine("obj", "digests.json"));

    [Fact]
    public void The_digest_is_the_sha256_of_the_bytes()
    {
        var bytes = Bytes(1000, seed: 1);
        var file = Write("model.bin", bytes);
        var cache = FileDigestCache.Load(CachePath);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), cache.Digest(file));
        Assert.Equal(1, cache.FilesHashed);
    }

    [Fact]
    public void A_second_lookup_after_reloading_hashes_nothing()
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        var first = FileDigestCache.Load(CachePath);
        var digest = first.Digest(file);
        first.SaveIfChanged();

        var second = FileDigestCache.Load(CachePath);
        Assert.Equal(digest, second.Digest(file));
        Assert.Equal(0, second.FilesHashed);
    }

    [Fact]
    public void Touching_a_file_hashes_it_again_and_keeps_its_digest()
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        var first = FileDigestCache.Load(CachePath);
        var digest = first.Digest(file);
        first.SaveIfChanged();

        File.SetLastWriteTimeUtc(file, AnHourAgo.AddMinutes(30));
        var second = FileDigestCache.Load(CachePath);
        Assert.Equal(digest, second.Digest(file));
        Assert.Equal(1, second.FilesHashed);
    }

    [Fact]
    public void Changing_the_bytes_changes_the_digest()
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        var first = FileDigestCache.Load(CachePath);
        var digest = first.Digest(file);
        first.SaveIfChanged();

        // Same length: only the time tells the stat cache that the file changed, as when an editor rewrites it.
        File.WriteAllBytes(file, Bytes(1000, seed: 2));
        File.SetLastWriteTimeUtc(file, AnHourAgo.AddMinutes(30));
        var second = FileDigestCache.Load(CachePath);
        Assert.NotEqual(digest, second.Digest(file));
        Assert.Equal(1, second.FilesHashed);
    }

    [Fact]
    public void Changing_the_length_changes_the_digest_even_with_the_same_time()
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        var cache = FileDigestCache.Load(CachePath);
        var digest = cache.Digest(file);

        File.WriteAllBytes(file, Bytes(999, seed: 1));
        File.SetLastWriteTimeUtc(file, AnHourAgo);
        Assert.NotEqual(digest, cache.Digest(file));
        Assert.Equal(2, cache.FilesHashed);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[{\"path\":")]
    [InlineData("{\"path\":\"x\"}")]
    [InlineData("[null]")]
    [InlineData("[{\"length\":3}]")]
    [InlineData("null")]
    public void A_corrupt_cache_file_is_an_empty_cache(string content)
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        Directory.CreateDirectory(Path.GetDirectoryName(CachePath)!);
        File.WriteAllText(CachePath, content);

        var cache = FileDigestCache.Load(CachePath);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))), cache.Digest(file));
        Assert.Equal(1, cache.FilesHashed);

        // Saving replaces the damaged file with a good one.
        cache.SaveIfChanged();
        var reloaded = FileDigestCache.Load(CachePath);
        reloaded.Digest(file);
        Assert.Equal(0, reloaded.FilesHashed);
    }

    [Fact]
    public void A_folder_digest_changes_when_one_of_its_files_changes()
    {
        var model = Path.Combine(_folder.Path, "hf");
        Directory.CreateDirectory(model);
        Write(Path.Combine("hf", "config.json"), Bytes(100, seed: 1));
        var weights = Write(Path.Combine("hf", "model.safetensors"), Bytes(5000, seed: 2));
        var cache = FileDigestCache.Load(CachePath);
        var before = cache.Digest(model);
        Assert.Equal(before, cache.Digest(model));

        File.WriteAllBytes(weights, Bytes(5000, seed: 3));
        File.SetLastWriteTimeUtc(weights, AnHourAgo.AddMinutes(30));
        Assert.NotEqual(before, cache.Digest(model));
    }

    [Fact]
    public void A_folder_digest_changes_when_a_file_is_renamed()
    {
        var model = Path.Combine(_folder.Path, "hf");
        Directory.CreateDirectory(model);
        var config = Write(Path.Combine("hf", "config.json"), Bytes(100, seed: 1));
        var cache = FileDigestCache.Load(CachePath);
        var before = cache.Digest(model);

        File.Move(config, Path.Combine(model, "other.json"));
        Assert.NotEqual(before, cache.Digest(model));
    }

    [Fact]
    public void A_folder_digest_is_the_shared_formula_over_its_own_files_hidden_ones_included()
    {
        var model = Path.Combine(_folder.Path, "hf");
        Directory.CreateDirectory(Path.Combine(model, "sub"));
        var config = Bytes(100, seed: 1);
        var weights = Bytes(5000, seed: 2);
        var hidden = Bytes(10, seed: 3);
        Write(Path.Combine("hf", "model.safetensors"), weights);
        Write(Path.Combine("hf", "config.json"), config);
        Write(Path.Combine("hf", ".gitattributes"), hidden);
        Write(Path.Combine("hf", "sub", "ignored.bin"), Bytes(10, seed: 4));

        // Written out by hand, so a change of formula (which would change every cache key of a folder) fails here.
        var text = string.Concat(new[] { (".gitattributes", hidden), ("config.json", config), ("model.safetensors", weights) }
            .Select(f => $"{f.Item1}\n{Convert.ToHexStringLower(SHA256.HashData(f.Item2))}\n"));
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

        var cache = FileDigestCache.Load(CachePath);
        Assert.Equal(expected, cache.Digest(model));
        Assert.Equal(expected, ContentDigest.Of(model));
        Assert.Equal(3, cache.FilesHashed);

        // The subfolder is not part of it.
        Write(Path.Combine("hf", "sub", "ignored.bin"), Bytes(10, seed: 5));
        Assert.Equal(expected, FileDigestCache.Load(null).Digest(model));
    }

    [Fact]
    public void Saving_when_nothing_changed_does_not_rewrite_the_file()
    {
        var file = Write("model.bin", Bytes(1000, seed: 1));
        var first = FileDigestCache.Load(CachePath);
        first.Digest(file);
        first.SaveIfChanged();

        // A time no write could give it, so any rewrite shows whatever the file system's clock resolution.
        File.SetLastWriteTimeUtc(CachePath, AnHourAgo);
        first.SaveIfChanged();
        var second = FileDigestCache.Load(CachePath);
        second.Digest(file);
        second.SaveIfChanged();
        Assert.Equal(AnHourAgo, File.GetLastWriteTimeUtc(CachePath));
    }

    public void Dispose() => _folder.Dispose();

    private string Write(string name, byte[] bytes)
    {
        var path = _folder.File(name);
        File.WriteAllBytes(path, bytes);

        // Settled in the past, as inputs usually are when a build hashes them.
        File.SetLastWriteTimeUtc(path, AnHourAgo);
        return path;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
