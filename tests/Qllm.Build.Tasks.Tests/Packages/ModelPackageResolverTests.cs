using System.Security;
using System.Security.Cryptography;
using NuGet.Common;
using Qllm.Build.Tasks.Items;
using Qllm.Build.Tasks.Packages;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Packages;

/// <summary>The resolver against real NuGet: folder feeds, a real global packages folder, NuGet.Config files and a loopback port nothing listens on.</summary>
public sealed class ModelPackageResolverTests : IDisposable
{
    /// <summary>A loopback HTTPS address with nothing behind it: connecting fails at once, and no traffic leaves the machine.</summary>
    private const string DeadFeed = "https://127.0.0.1:9/v3/index.json";

    private readonly TemporaryFolder _project = new();
    private readonly TemporaryFolder _packages = new();
    private readonly FolderFeed _feed = new();
    private readonly List<string> _progress = [];

    [Fact]
    public void A_package_is_installed_from_the_feed_the_way_NuGet_does_and_then_needs_no_feed()
    {
        var nupkg = _feed.Pack("Test.Model", "1.0.0");
        WriteConfig(("models", _feed.Path));

        var package = Resolve("nuget:Test.Model/1.0.0", out var problems);

        Assert.Empty(problems);
        Assert.NotNull(package);
        var installed = Path.Combine(_packages.Path, "test.model", "1.0.0");
        Assert.Equal(Path.Combine(installed, "model"), package.ModelFolder);
        Assert.True(File.Exists(Path.Combine(package.ModelFolder, "config.json")));
        Assert.True(File.Exists(Path.Combine(installed, ".nupkg.metadata")));
        Assert.True(File.Exists(Path.Combine(installed, "test.model.nuspec")));
        var sha512 = Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(nupkg)));
        Assert.Equal(sha512, File.ReadAllText(Path.Combine(installed, "test.model.1.0.0.nupkg.sha512")));
        Assert.Equal(sha512, package.Sha512);
        Assert.Equal($"test.model/1.0.0/{sha512}", package.CacheKeyInput);
        Assert.Contains(_progress, line => line.Contains("downloading the model package Test.Model 1.0.0 from models", StringComparison.Ordinal));

        // Installed packages are not looked for again: a build needs no network once it has its model.
        _progress.Clear();
        WriteConfig(("gone", DeadFeed));
        var again = Resolve("nuget:test.model/1.0.0", out problems);
        Assert.Empty(problems);
        Assert.Equal(package.ModelFolder, again?.ModelFolder);
        Assert.Empty(_progress);
    }

    [Fact]
    public void A_version_on_no_feed_is_QLLM1011_naming_the_feeds_and_the_versions_they_have()
    {
        _feed.Pack("Test.Model", "1.0.0");
        _feed.Pack("Test.Model", "1.1.0");
        WriteConfig(("models", _feed.Path));

        var problem = Assert.Single(Problems("nuget:Test.Model/2.0.0"));

        Assert.Equal("QLLM1011", problem.Code);
        Assert.Contains($"models ({_feed.Path})", problem.Message, StringComparison.Ordinal);
        Assert.Contains("1.0.0 on models, 1.1.0 on models", problem.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_packages.Path, "test.model")));
    }

    [Fact]
    public void A_package_whose_bytes_changed_after_install_is_QLLM1012()
    {
        _feed.Pack("Test.Model", "1.0.0");
        WriteConfig(("models", _feed.Path));
        var hashes = Path.Combine(_project.Path, "package-hashes.json");
        Assert.Empty(Problems("nuget:Test.Model/1.0.0", hashes));

        var nupkg = Path.Combine(_packages.Path, "test.model", "1.0.0", "test.model.1.0.0.nupkg");
        var bytes = File.ReadAllBytes(nupkg);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(nupkg, bytes);

        var problem = Assert.Single(Problems("nuget:Test.Model/1.0.0", hashes));
        Assert.Equal("QLLM1012", problem.Code);
        Assert.Contains(nupkg, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_recorded_hash_that_does_not_match_is_QLLM1012_even_when_the_package_was_hashed_before()
    {
        _feed.Pack("Test.Model", "1.0.0");
        WriteConfig(("models", _feed.Path));
        var hashes = Path.Combine(_project.Path, "package-hashes.json");
        Assert.Empty(Problems("nuget:Test.Model/1.0.0", hashes));

        File.WriteAllText(Path.Combine(_packages.Path, "test.model", "1.0.0", "test.model.1.0.0.nupkg.sha512"), Convert.ToBase64String(new byte[64]));

        Assert.Equal("QLLM1012", Assert.Single(Problems("nuget:Test.Model/1.0.0", hashes)).Code);
    }

    [Fact]
    public void A_package_without_a_model_folder_is_QLLM1013()
    {
        _feed.Pack("Test.Library", "1.0.0", folder: "lib/net10.0");
        WriteConfig(("models", _feed.Path));

        var problem = Assert.Single(Problems("nuget:Test.Library/1.0.0"));

        Assert.Equal("QLLM1013", problem.Code);
        Assert.Contains("qllm pack-model", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feed_that_cannot_be_reached_is_QLLM1014_naming_it_when_no_other_feed_has_the_package()
    {
        WriteConfig(("internal", DeadFeed), ("models", _feed.Path));

        var problem = Assert.Single(Problems("nuget:Test.Model/1.0.0"));

        Assert.Equal("QLLM1014", problem.Code);
        Assert.Contains($"internal ({DeadFeed})", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_feed_that_cannot_be_reached_does_not_stop_a_package_another_feed_has()
    {
        _feed.Pack("Test.Model", "1.0.0");
        WriteConfig(("internal", DeadFeed), ("models", _feed.Path));

        Assert.Empty(Problems("nuget:Test.Model/1.0.0"));
    }

    [Fact]
    public void An_http_feed_is_used_only_where_NuGet_Config_allows_insecure_connections()
    {
        WriteConfig(("plain", "http://127.0.0.1:9/v3/index.json"));

        var problem = Assert.Single(Problems("nuget:Test.Model/1.0.0"));

        Assert.Equal("QLLM1014", problem.Code);
        Assert.Contains("allowInsecureConnections", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_source_mapping_keeps_a_package_to_the_feeds_mapped_to_it()
    {
        using var other = new FolderFeed();
        other.Pack("Test.Model", "1.0.0");
        WriteConfig([("models", _feed.Path), ("other", other.Path)], """
            <packageSourceMapping>
              <packageSource key="models"><package pattern="Test.*" /></packageSource>
              <packageSource key="other"><package pattern="Other.*" /></packageSource>
            </packageSourceMapping>
            """);

        var problem = Assert.Single(Problems("nuget:Test.Model/1.0.0"));

        Assert.Equal("QLLM1011", problem.Code);
        Assert.DoesNotContain("other", problem.Message, StringComparison.Ordinal);
        Assert.Contains("package source mapping", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_design_time_lookup_names_the_folder_without_installing_anything()
    {
        WriteConfig(("gone", DeadFeed));
        Assert.True(ModelPackageReference.TryParse("nuget:Test.Model/1.0.0", out var reference, out _));

        var located = Resolver(null).Locate(reference);

        Assert.Equal(Path.Combine(_packages.Path, "test.model", "1.0.0", "model"), located.ModelFolder);
        Assert.Empty(located.Sha512);
        Assert.False(Directory.Exists(located.ModelFolder));
    }

    public void Dispose()
    {
        _feed.Dispose();
        _packages.Dispose();
        _project.Dispose();
    }

    private List<ItemProblem> Problems(string itemSpec, string? hashes = null)
    {
        Resolve(itemSpec, out var problems, hashes);
        return problems;
    }

    private ResolvedModelPackage? Resolve(string itemSpec, out List<ItemProblem> problems, string? hashesFile = null)
    {
        Assert.True(ModelPackageReference.TryParse(itemSpec, out var reference, out var malformed), malformed);
        problems = [];
        var hashes = FileDigestCache.Load(hashesFile, FileHash.Sha512Base64);
        var package = Resolver(hashes).Resolve(reference, problems, CancellationToken.None);
        hashes.SaveIfChanged();
        return package;
    }

    private ModelPackageResolver Resolver(FileDigestCache? hashes) =>
        new(_project.Path, _packages.Path, hashes ?? FileDigestCache.Load(null, FileHash.Sha512Base64), NullLogger.Instance, _progress.Add);

    private void WriteConfig(params (string Name, string Source)[] sources) => WriteConfig(sources, string.Empty);

    /// <summary>A NuGet.Config in the project folder with only these sources (<c>clear</c> drops the user's).</summary>
    private void WriteConfig((string Name, string Source)[] sources, string more)
    {
        var adds = string.Concat(sources.Select(s => $"""<add key="{s.Name}" value="{SecurityElement.Escape(s.Source)}" />"""));
        File.WriteAllText(Path.Combine(_project.Path, "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources><clear />{adds}</packageSources>
              {more}
            </configuration>
            """);
    }
}
