using NuGet.Packaging;

namespace Qllm.Tool.Tests.Commands;

public sealed class PackModelCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qllm-pack-model-").FullName;

    private string Model => Path.Combine(_folder, "model");

    private string Feed => Path.Combine(_folder, "feed");

    [Fact]
    public async Task A_model_folder_becomes_a_package_with_its_files_under_model_and_a_QllmModel_nuspec()
    {
        WriteModel();
        File.WriteAllText(Path.Combine(Model, ".gitattributes"), "*.safetensors filter=lfs");

        var run = await QllmRun.InvokeAsync("pack-model", Model, "--id", "Contoso.Stories", "--version", "1.2.0", "--output", Feed, "--authors", "Contoso, Fabrikam", "--license", "MIT", "--description", "A story model.");

        Assert.True(run.ExitCode == 0, run.Error);
        var nupkg = Path.Combine(Feed, "Contoso.Stories.1.2.0.nupkg");
        Assert.Equal(nupkg, run.Output.Trim());
        using var package = new PackageArchiveReader(nupkg);
        Assert.Equal(["model/config.json", "model/model.safetensors", "model/tokenizer.model"], package.GetFiles().Where(f => f.StartsWith("model/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        var nuspec = package.NuspecReader;
        Assert.Equal("Contoso.Stories", nuspec.GetId());
        Assert.Equal("1.2.0", nuspec.GetVersion().ToNormalizedString());
        Assert.Equal("Contoso,Fabrikam", nuspec.GetAuthors());
        Assert.Equal("A story model.", nuspec.GetDescription());
        Assert.Equal("MIT", nuspec.GetLicenseMetadata()?.License);
        Assert.Equal("QllmModel", Assert.Single(nuspec.GetPackageTypes()).Name);
        Assert.Contains("qllm-model", nuspec.GetTags(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Feed, "*.partial"));
    }

    [Fact]
    public async Task Packing_the_same_folder_again_gives_the_same_bytes_so_builds_get_the_same_cache_key()
    {
        WriteModel();
        var first = await QllmRun.InvokeAsync("pack-model", Model, "--id", "Test.Model", "--version", "1.0.0", "--output", Path.Combine(_folder, "a"));
        File.SetLastWriteTimeUtc(Path.Combine(Model, "config.json"), DateTime.UtcNow.AddHours(1));
        var second = await QllmRun.InvokeAsync("pack-model", Model, "--id", "Test.Model", "--version", "1.0.0", "--output", Path.Combine(_folder, "b"));

        Assert.Equal(File.ReadAllBytes(first.Output.Trim()), File.ReadAllBytes(second.Output.Trim()));
        using var package = new PackageArchiveReader(first.Output.Trim());
        Assert.Equal("Test.Model", package.NuspecReader.GetAuthors());
        Assert.Contains("nuget:Test.Model/1.0.0", package.NuspecReader.GetDescription(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_config_json_is_QLLM2001_naming_it_and_writes_nothing()
    {
        WriteModel();
        File.Delete(Path.Combine(Model, "config.json"));

        var run = await QllmRun.InvokeAsync("pack-model", Model, "--id", "Test.Model", "--version", "1.0.0", "--output", Feed);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{Path.Combine(Model, "config.json")}: error QLLM2001: ", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Feed));
    }

    [Fact]
    public async Task A_folder_without_weights_is_QLLM2007()
    {
        WriteModel();
        File.Delete(Path.Combine(Model, "model.safetensors"));

        var run = await QllmRun.InvokeAsync("pack-model", Model, "--id", "Test.Model", "--version", "1.0.0", "--output", Feed);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error QLLM2007: ", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--id", "not an id")]
    [InlineData("--version", "1.*")]
    [InlineData("--license", "MIT OR")]
    public async Task A_bad_id_version_or_license_is_a_command_line_error(string option, string value)
    {
        WriteModel();
        var arguments = new Dictionary<string, string> { ["--id"] = "Test.Model", ["--version"] = "1.0.0", ["--output"] = Feed, [option] = value };

        var run = await QllmRun.InvokeAsync(["pack-model", Model, .. arguments.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void WriteModel()
    {
        Directory.CreateDirectory(Model);
        File.WriteAllText(Path.Combine(Model, "config.json"), """{"model_type": "llama"}""");
        File.WriteAllBytes(Path.Combine(Model, "model.safetensors"), [.. Enumerable.Range(0, 1000).Select(i => (byte)i)]);
        File.WriteAllBytes(Path.Combine(Model, "tokenizer.model"), [1, 2, 3]);
    }
}
