using System.Text.Json;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>The public hooks of Qllm.Build.targets: the extension points around the quantize step, and the items Visual Studio's fast up-to-date check asks for.</summary>
[Collection(RealBuilds.Name)]
public sealed class ExtensionPointTests : IDisposable
{
    private readonly TemporaryFolder _cache = new();

    [Fact]
    public void Targets_hooked_on_the_extension_points_run_before_the_quantize_step_and_after_the_artifact_is_in_place()
    {
        using var project = new FixtureProject(_cache.Path);
        project.WriteProject(FixtureProject.FastItem, """
            <Target Name="HookBefore" AfterTargets="QllmBeforeQuantize">
              <Message Importance="high" Text="hook: before quantize" />
            </Target>
            <Target Name="HookAfter" AfterTargets="QllmAfterQuantize">
              <Message Importance="high" Text="hook: after quantize, artifact present: $([System.IO.File]::Exists('$(MSBuildProjectDirectory)/$(IntermediateOutputPath)qllm/Fixture.Stories15M.qllm'))" />
            </Target>
            """);

        var build = project.Build();

        BuildLog.Succeeded(build);
        var before = build.Output.IndexOf("hook: before quantize", StringComparison.Ordinal);
        var quantizing = build.Output.IndexOf(BuildLog.Quantizing, StringComparison.Ordinal);
        var after = build.Output.IndexOf("hook: after quantize, artifact present: True", StringComparison.Ordinal);
        Assert.True(before >= 0 && quantizing > before && after > quantizing, build.Output);
    }

    [Fact]
    public void The_fast_up_to_date_check_sees_the_model_tokenizer_and_calibration_text_and_the_artifact()
    {
        using var project = new FixtureProject(_cache.Path);
        // Stand-ins for the targets Visual Studio's project system defines and runs in a design-time build.
        project.WriteProject(FixtureProject.FastItem, """
            <Target Name="CollectUpToDateCheckInputDesignTime" Returns="@(UpToDateCheckInput)" />
            <Target Name="CollectUpToDateCheckBuiltDesignTime" Returns="@(UpToDateCheckBuilt)" />
            """);

        var build = DotnetProcess.Run(project.Folder, TimeSpan.FromMinutes(2), "msbuild", project.ProjectPath, "-nodeReuse:false", "-p:DesignTimeBuild=true",
            "-t:CollectUpToDateCheckInputDesignTime;CollectUpToDateCheckBuiltDesignTime", "-getItem:UpToDateCheckInput", "-getItem:UpToDateCheckBuilt");

        Assert.True(build.ExitCode == 0, build.Output);
        using var json = JsonDocument.Parse(build.Output);
        var items = json.RootElement.GetProperty("Items");
        var inputs = items.GetProperty("UpToDateCheckInput").EnumerateArray().Select(i => i.GetProperty("FullPath").GetString()).ToList();
        Assert.Contains(SetupData.ModelPath, inputs);
        Assert.Contains(Path.Combine(SetupData.Directory, "tokenizer.bin"), inputs);
        Assert.Contains(SetupData.CalibrationPath, inputs);
        var built = items.GetProperty("UpToDateCheckBuilt").EnumerateArray().Select(i => i.GetProperty("FullPath").GetString());
        Assert.Contains(project.ArtifactPath(), built);
    }

    public void Dispose() => _cache.Dispose();
}
