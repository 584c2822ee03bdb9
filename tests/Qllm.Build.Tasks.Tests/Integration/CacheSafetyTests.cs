using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Concurrent builds, corrupt entries and killed tools against the real local store.</summary>
[Collection(RealBuilds.Name)]
public sealed class CacheSafetyTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    [Fact]
    public void Two_projects_built_in_parallel_on_the_same_model_quantize_once()
    {
        using var first = new FixtureProject(_cache.Path);
        using var second = new FixtureProject(_cache.Path);

        var a = first.StartBuild();
        var b = second.StartBuild();
        var results = new[] { a.Wait(TimeSpan.FromMinutes(5)), b.Wait(TimeSpan.FromMinutes(5)) };

        Assert.All(results, BuildLog.Succeeded);
        Assert.Single(results, r => BuildLog.StartedTool(r.Output));
        Assert.Single(results, r => r.Output.Contains(BuildLog.FromCache, StringComparison.Ordinal));
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
        Assert.Equal(File.ReadAllBytes(first.ArtifactPath()), File.ReadAllBytes(second.ArtifactPath()));
    }

    [Fact]
    public void A_corrupt_cache_entry_is_detected_with_a_warning_and_rebuilt()
    {
        using var first = new FixtureProject(_cache.Path);
        BuildLog.Succeeded(first.Build());
        var entry = Assert.Single(new LocalArtifactStore(_cache.Path).List());
        using (var artifact = File.Open(entry.ArtifactPath, FileMode.Open))
        {
            artifact.Position = artifact.Length / 2;
            var b = artifact.ReadByte();
            artifact.Position--;
            artifact.WriteByte((byte)(b ^ 0xFF));
        }

        using var second = new FixtureProject(_cache.Path);
        var build = second.Build();

        BuildLog.Succeeded(build);
        Assert.Contains("warning QLLM4002", build.Output, StringComparison.Ordinal);
        Assert.True(BuildLog.StartedTool(build.Output));
        Assert.True(new LocalArtifactStore(_cache.Path).TryGet(entry.Manifest.Key).Hit);
        Assert.Equal(0, second.Run().ExitCode);
    }

    [Fact]
    public void A_killed_tool_fails_the_build_with_an_error_and_leaves_no_entry_and_the_next_build_succeeds()
    {
        // QLLM with a few samples runs long enough to be killed mid-way.
        using var project = new FixtureProject(_cache.Path, """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="4" Epochs="2" />""");
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        // Let it get going, so the kill lands in the middle of the work.
        Thread.Sleep(TimeSpan.FromSeconds(3));
        tool.Kill();
        var result = build.Wait(TimeSpan.FromMinutes(5));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error QLLM3004", result.Output, StringComparison.Ordinal);
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.GetDirectories(Path.Combine(_cache.Path, "v1", "staging")));
        Assert.False(File.Exists(project.ArtifactPath()));

        project.WriteProject(FixtureProject.FastItem);
        BuildLog.Succeeded(project.Build());
    }

    [Fact]
    public void Cancelling_the_build_with_ctrl_c_stops_the_tool_and_leaves_no_entry()
    {
        using var project = new FixtureProject(_cache.Path, """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="4" Epochs="2" />""");
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        build.Interrupt();
        var result = build.Wait(TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(tool.WaitForExit(TimeSpan.FromSeconds(30)), "the tool still runs after the build was cancelled");
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.GetDirectories(Path.Combine(_cache.Path, "v1", "staging")));
    }

    [Fact]
    public void An_error_of_the_tool_becomes_an_msbuild_error_with_its_code_and_file_and_leaves_no_entry()
    {
        using var project = new FixtureProject(_cache.Path, """<QuantizedModel Include="damaged/stories15M.bin" Method="rtn" Rotation="none" WeightRounding="nearest" Samples="1" />""");
        var damaged = Directory.CreateDirectory(Path.Combine(project.Folder, "damaged")).FullName;
        File.Copy(SetupData.ModelPath, Path.Combine(damaged, "stories15M.bin"));
        File.Copy(Path.Combine(SetupData.Directory, "tokenizer.bin"), Path.Combine(damaged, "tokenizer.bin"));
        using (var model = File.Open(Path.Combine(damaged, "stories15M.bin"), FileMode.Open))
        {
            // A NaN in the first layer's query weights: the header and length stay valid, so only the engine can tell.
            model.Position = 28 + (4L * ((32000 * 288) + (6 * 288) + 1000));
            model.Write(BitConverter.GetBytes(float.NaN));
        }

        var build = project.Build();

        Assert.NotEqual(0, build.ExitCode);
        Assert.Matches(@"stories15M\.bin\s?: error QLLM2007: .*NaN", build.Output);
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
    }

    public void Dispose() => _cache.Dispose();
}
