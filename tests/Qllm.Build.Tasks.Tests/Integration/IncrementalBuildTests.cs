using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>The cache and incrementality contract of `dotnet build` with a QuantizedModel item, on the real model and tool.</summary>
[Collection(RealBuilds.Name)]
public sealed class IncrementalBuildTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    [Fact]
    public void A_miss_quantizes_and_an_unchanged_second_build_starts_no_tool_writes_nothing_and_does_not_compile()
    {
        using var project = new FixtureProject(_cache.Path);

        var first = project.Build();
        BuildLog.Succeeded(first);
        Assert.Contains(BuildLog.Quantizing, first.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(first.Output));
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
        var run = project.Run();
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("Once upon a time", run.Output, StringComparison.Ordinal);

        var written = WriteTimes(project);
        var second = project.Build();
        BuildLog.Succeeded(second);
        Assert.DoesNotContain(BuildLog.Quantizing, second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(BuildLog.FromCache, second.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(second.Output));
        Assert.Contains("Skipping target \"CoreCompile\"", second.Output, StringComparison.Ordinal);
        Assert.Equal(written, WriteTimes(project));
    }

    [Fact]
    public void Touching_inputs_does_not_requantize_but_changing_their_bytes_or_an_option_does()
    {
        using var project = new FixtureProject(_cache.Path);
        var calibration = Path.Combine(project.Folder, "calibration.txt");
        File.Copy(SetupData.CalibrationPath, calibration);
        project.WriteProject(FixtureProject.FastItem.Replace("/>", "Calibration=\"calibration.txt\" />", StringComparison.Ordinal));
        BuildLog.Succeeded(project.Build());

        File.SetLastWriteTimeUtc(calibration, DateTime.UtcNow.AddMinutes(1));
        var touched = project.Build();
        BuildLog.Succeeded(touched);
        Assert.False(BuildLog.StartedTool(touched.Output));
        Assert.DoesNotContain(BuildLog.FromCache, touched.Output, StringComparison.Ordinal);

        File.AppendAllText(calibration, "\nOne more sentence changes the calibration text.\n");
        var changedText = project.Build();
        BuildLog.Succeeded(changedText);
        Assert.True(BuildLog.StartedTool(changedText.Output));

        project.WriteProject(FixtureProject.FastItem.Replace("/>", "Calibration=\"calibration.txt\" Seed=\"7\" />", StringComparison.Ordinal));
        var changedOption = project.Build();
        BuildLog.Succeeded(changedOption);
        Assert.True(BuildLog.StartedTool(changedOption.Output));
        Assert.Equal(3, new LocalArtifactStore(_cache.Path).List().Count);
    }

    [Fact]
    public void Going_back_to_earlier_options_embeds_the_earlier_artifact_from_the_cache()
    {
        const string printResourceDigest = """
            using System.Security.Cryptography;
            using var resource = typeof(Fixture.QuantizedModels).Assembly.GetManifestResourceStream(Fixture.QuantizedModels.Stories15M.ResourceName)!;
            Console.WriteLine(Convert.ToHexStringLower(SHA256.HashData(resource)));
            """;
        using var project = new FixtureProject(_cache.Path, FixtureProject.FastItem.Replace("/>", "Seed=\"1\" />", StringComparison.Ordinal), printResourceDigest);
        BuildLog.Succeeded(project.Build());
        var first = project.Run().Output.Trim();
        project.WriteProject(FixtureProject.FastItem.Replace("/>", "Seed=\"2\" />", StringComparison.Ordinal));
        BuildLog.Succeeded(project.Build());
        Assert.NotEqual(first, project.Run().Output.Trim());

        project.WriteProject(FixtureProject.FastItem.Replace("/>", "Seed=\"1\" />", StringComparison.Ordinal));
        var back = project.Build();

        BuildLog.Succeeded(back);
        Assert.Contains(BuildLog.FromCache, back.Output, StringComparison.Ordinal);
        Assert.Equal(first, project.Run().Output.Trim());
    }

    [Fact]
    public void A_second_project_with_the_same_model_and_options_gets_the_artifact_from_the_cache()
    {
        using var first = new FixtureProject(_cache.Path);
        BuildLog.Succeeded(first.Build());
        using var second = new FixtureProject(_cache.Path);

        var build = second.Build();
        BuildLog.Succeeded(build);
        Assert.Contains(BuildLog.FromCache, build.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Equal(File.ReadAllBytes(first.ArtifactPath()), File.ReadAllBytes(second.ArtifactPath()));
    }

    [Fact]
    public void Clean_removes_what_the_build_wrote_in_obj_and_bin_but_not_the_cache()
    {
        using var project = new FixtureProject(_cache.Path, FixtureProject.FastItem.Replace("/>", "Embed=\"Content\" />", StringComparison.Ordinal));
        BuildLog.Succeeded(project.Build());
        var copied = Path.Combine(project.OutputFolder, "models", "Fixture.Stories15M.qllm");
        Assert.True(File.Exists(copied));
        Assert.Equal(0, project.Run().ExitCode);

        BuildLog.Succeeded(project.Clean());
        Assert.False(File.Exists(project.ArtifactPath()));
        Assert.False(File.Exists(project.ArtifactPath() + ".key"));
        Assert.False(File.Exists(project.LoaderPath));
        Assert.False(File.Exists(copied));
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
    }

    [Fact]
    public void An_artifact_over_the_embedding_limit_is_an_error_that_asks_for_Content()
    {
        using var project = new FixtureProject(_cache.Path);

        var build = project.Build("-p:QllmMaxEmbeddedBytes=1000000");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Matches(@"Fixture\.csproj\s?: error QLLM1008: .*Embed=""Content""", build.Output);
        Assert.False(File.Exists(project.ArtifactPath()));
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
    }

    [Fact]
    public void A_design_time_build_generates_the_loader_without_quantizing()
    {
        using var project = new FixtureProject(_cache.Path);

        var build = DotnetProcess.Run(project.Folder, TimeSpan.FromMinutes(5), "msbuild", project.ProjectPath, "-restore", "-t:Compile",
            "-p:DesignTimeBuild=true", "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true", "-p:Configuration=" + Repository.Configuration,
            "-v:n", "-nodeReuse:false");
        BuildLog.Succeeded(build);
        Assert.True(File.Exists(project.LoaderPath));
        Assert.Contains("class Stories15M", File.ReadAllText(project.LoaderPath), StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(build.Output));
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
    }

    public void Dispose() => _cache.Dispose();

    private static Dictionary<string, DateTime> WriteTimes(FixtureProject project) =>
        new[] { project.ArtifactPath(), project.ArtifactPath() + ".key", project.LoaderPath, Path.Combine(project.IntermediateFolder, "qllm", "input-digests.json"), Path.Combine(project.OutputFolder, "Fixture.dll") }
            .ToDictionary(path => path, File.GetLastWriteTimeUtc);
}
