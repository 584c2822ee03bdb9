using System.Text.Json;
using System.Text.RegularExpressions;
using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>
/// <c>&lt;QuantizedModel Include="nuget:Test.Stories15M/1.0.0" /&gt;</c> in a real build, as a team would
/// have it: the user's feeds plus an internal folder feed holding the model package (see
/// <see cref="ModelFeed"/>), and a fresh global packages folder (NUGET_PACKAGES) for each test.
/// </summary>
[Collection(RealBuilds.Name)]
public sealed class NuGetModelTests(ModelFeed feed) : IClassFixture<ModelFeed>, IDisposable
{
    private const string Item = """<QuantizedModel Include="nuget:Test.Stories15M/1.0.0" Method="rtn" Rotation="none" WeightRounding="nearest" Samples="1" />""";

    private readonly TemporaryFolder _cache = new();
    private readonly TemporaryFolder _packages = new();

    private string InstalledFolder => Path.Combine(_packages.Path, "test.stories15m", "1.0.0");

    [Fact]
    public void A_model_package_is_installed_quantized_and_run_and_a_second_build_starts_no_tool()
    {
        using var project = Project(Item);

        var first = project.Build("-v:d");

        BuildLog.Succeeded(first);
        Assert.Contains($"downloading the model package Test.Stories15M 1.0.0 from models ({feed.FeedFolder})", first.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(first.Output));
        Assert.Contains($"quantize {Path.Combine(InstalledFolder, "model")} ", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(InstalledFolder, ".nupkg.metadata")));
        Assert.Equal(feed.Sha512, File.ReadAllText(Path.Combine(InstalledFolder, "test.stories15m.1.0.0.nupkg.sha512")));
        var entry = Assert.Single(new LocalArtifactStore(_cache.Path).List());
        using (var key = JsonDocument.Parse(entry.Manifest.Description))
        {
            Assert.Equal($"test.stories15m/1.0.0/{feed.Sha512}", key.RootElement.GetProperty("inputs").GetProperty("package").GetString());
        }


        // MSBuild ships NuGet assemblies of its own; the task must run on the ones beside it.
        var nuget = Regex.Match(first.Output, @"Qllm: NuGet\.Packaging (?<version>\S+) from (?<path>\S+);");
        Assert.True(nuget.Success, "the task did not say which NuGet it loaded");
        Assert.Equal(Path.GetDirectoryName(Repository.TasksAssembly), Path.GetDirectoryName(nuget.Groups["path"].Value));

        var run = project.Run();
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Once upon a time", run.Output, StringComparison.Ordinal);
        Assert.True(run.Output.Trim().Length > "Once upon a time".Length + 10, run.Output);

        var second = project.Build();
        BuildLog.Succeeded(second);
        Assert.False(BuildLog.StartedTool(second.Output));
        Assert.DoesNotContain("downloading the model package", second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(BuildLog.FromCache, second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_no_feed_has_is_one_QLLM1011_on_the_project_file_and_no_tool_starts()
    {
        using var project = Project(Item.Replace("/1.0.0", "/9.9.9", StringComparison.Ordinal));

        var build = project.Build();

        Assert.NotEqual(0, build.ExitCode);
        var error = Assert.Single(BuildLog.Errors(build.Output));
        Assert.Equal(("QLLM1011", project.ProjectPath), (error.Code, error.File));
        Assert.Contains($"models ({feed.FeedFolder})", build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.False(Directory.Exists(Path.Combine(_packages.Path, "test.stories15m")));
    }

    [Fact]
    public void A_malformed_reference_is_one_QLLM1010_on_the_project_file_and_nothing_is_looked_for()
    {
        using var project = Project(Item.Replace("/1.0.0", string.Empty, StringComparison.Ordinal));

        var build = project.Build();

        Assert.NotEqual(0, build.ExitCode);
        var error = Assert.Single(BuildLog.Errors(build.Output));
        Assert.Equal(("QLLM1010", project.ProjectPath), (error.Code, error.File));
        Assert.Contains("nuget:Package.Id/1.2.3", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("downloading the model package", build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
    }

    [Fact]
    public void A_package_changed_in_the_global_packages_folder_is_QLLM1012_and_no_tool_starts()
    {
        using var project = Project(Item);
        BuildLog.Succeeded(project.Build());
        var nupkg = Path.Combine(InstalledFolder, "test.stories15m.1.0.0.nupkg");
        using (var stream = new FileStream(nupkg, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = stream.Length / 2;
            var original = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(original ^ 0xFF));
        }

        var build = project.Build();

        Assert.NotEqual(0, build.ExitCode);
        var error = Assert.Single(BuildLog.Errors(build.Output));
        Assert.Equal(("QLLM1012", project.ProjectPath), (error.Code, error.File));
        Assert.Contains(nupkg, build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
    }

    public void Dispose()
    {
        _packages.Dispose();
        _cache.Dispose();
    }

    private FixtureProject Project(string items)
    {
        var project = new FixtureProject(_cache.Path, items, environment: new Dictionary<string, string> { ["NUGET_PACKAGES"] = _packages.Path });
        File.WriteAllText(Path.Combine(project.Folder, "NuGet.Config"), feed.NuGetConfig);
        return project;
    }
}
