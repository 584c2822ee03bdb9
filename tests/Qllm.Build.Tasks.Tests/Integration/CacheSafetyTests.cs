using Qllm.Cache;

namespace Qllm.Build.Tasks.Tests.Integration;

/// <summary>Concurrent builds, corrupt entries and killed tools against the real local store.</summary>
[Collection(RealBuilds.Name)]
public sealed class CacheSafetyTests : IDisposable
{
    /// <summary>QLLM with a few samples and two epochs a block: block 0 alone takes long enough to be caught in the middle.</summary>
    private const string SlowItem = """<QuantizedModel Include="$(QllmDataDir)/stories15M.bin" Samples="4" Epochs="2" />""";

    /// <summary>The tool's progress line at the end of block 0's first epoch: the block has started and its last epoch is still to run.</summary>
    private const string Block0Underway = "qllm: block 0: epoch 1/2";

    private readonly TemporaryFolder _cache = new();

    private string StagingFolder => Path.Combine(_cache.Path, "v1", "staging");

    [Fact]
    public void A_build_that_finds_the_model_being_quantized_waits_for_that_build_and_takes_its_artifact()
    {
        using var first = new FixtureProject(_cache.Path);
        using var second = new FixtureProject(_cache.Path);
        var a = first.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        // A holds the key's lock while its tool runs. Pausing the tool keeps it so for as long as B
        // needs to get there, however slow the machine: B must find the lock held, not A's entry.
        Assert.True(ProcessSignal.Send(tool.Id, "STOP"), "the tool ended before it could be paused");
        RunningProcess b;
        try
        {
            b = second.StartBuild();
            Assert.True(b.WaitForOutput(BuildLog.Waiting, TimeSpan.FromMinutes(5)), "build B ended without waiting for A:\n" + b.Text());
            Assert.False(File.Exists(first.ArtifactPath()), "A finished while its tool was paused");
        }
        finally
        {
            ProcessSignal.Send(tool.Id, "CONT");
        }

        var resultA = a.Wait(TimeSpan.FromMinutes(5));
        var resultB = b.Wait(TimeSpan.FromMinutes(5));

        BuildLog.Succeeded(resultA);
        BuildLog.Succeeded(resultB);
        Assert.True(BuildLog.StartedTool(resultA.Output));
        Assert.DoesNotContain(BuildLog.Waiting, resultA.Output, StringComparison.Ordinal);
        Assert.False(BuildLog.StartedTool(resultB.Output), "B quantized too:\n" + resultB.Output);

        // B took A's artifact from the store after its wait, not before.
        var waited = resultB.Output.IndexOf(BuildLog.Waiting, StringComparison.Ordinal);
        var took = resultB.Output.IndexOf(BuildLog.FromCache, StringComparison.Ordinal);
        Assert.True(waited >= 0 && took > waited, "B's log does not show it waited and then took the cached artifact:\n" + resultB.Output);
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
    public void A_tool_killed_mid_block_fails_the_build_with_an_error_and_leaves_no_entry_and_the_next_build_succeeds()
    {
        using var project = new FixtureProject(_cache.Path, SlowItem);
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        PauseInBlock0(build, tool);
        tool.Kill();
        var result = build.Wait(TimeSpan.FromMinutes(5));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("error QLLM3004", result.Output, StringComparison.Ordinal);
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.GetDirectories(StagingFolder));
        Assert.False(File.Exists(project.ArtifactPath()));

        project.WriteProject(FixtureProject.FastItem);
        BuildLog.Succeeded(project.Build());
    }

    /// <summary>
    /// A CI job that is cancelled kills the whole build (MSBuild, its nodes, the tool) at once:
    /// nothing of the build runs after, so whatever it left must be harmless to the next one.
    /// </summary>
    [Fact]
    public void A_build_killed_with_its_tool_mid_block_leaves_no_entry_and_no_artifact_and_the_next_build_quantizes_again()
    {
        using var project = new FixtureProject(_cache.Path, SlowItem);
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        PauseInBlock0(build, tool);
        build.Kill(entireProcessTree: true);
        var killed = build.Wait(TimeSpan.FromMinutes(1));
        Assert.True(tool.WaitForExit(TimeSpan.FromSeconds(30)), "the tool outlived the killed build");

        Assert.NotEqual(0, killed.ExitCode);
        AssertNothingUsableLeft(project);

        // The killed build held the key's lock and left its staging folder: the next build takes
        // the lock at once, removes that folder and quantizes afresh.
        var next = project.Build();
        BuildLog.Succeeded(next);
        Assert.True(BuildLog.StartedTool(next.Output));
        Assert.DoesNotContain(BuildLog.Waiting, next.Output, StringComparison.Ordinal);
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.GetDirectories(StagingFolder));
        Assert.Equal(0, project.Run().ExitCode);
    }

    /// <summary>
    /// A build process killed alone (an MSBuild node that crashed or was killed by the OOM killer)
    /// leaves its tool orphaned, still quantizing into the staging folder: only the build publishes
    /// entries, so what the orphan writes must never become one.
    /// </summary>
    [Fact]
    public void A_build_killed_alone_stops_its_orphaned_tool_which_publishes_nothing_and_the_next_build_quantizes_again()
    {
        using var project = new FixtureProject(_cache.Path, SlowItem);
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        PauseInBlock0(build, tool);
        var orphaned = false;
        try
        {
            build.Kill(entireProcessTree: false);
            build.Wait(TimeSpan.FromMinutes(1));
            orphaned = !tool.HasExited;
        }
        finally
        {
            ProcessSignal.Send(tool.Id, "CONT");
        }

        // The tool checks once a second that its build still runs, and stops at the next point it
        // can (a layer, an epoch); minutes of quantization are left when it is resumed. It is
        // killed if it does not stop, so as not to outlive the test.
        if (!tool.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            tool.Kill();
            Assert.Fail("the orphaned tool still ran 2 minutes after its build was killed");
        }

        Assert.True(orphaned, "killing the build process alone also ended the tool");
        AssertNothingUsableLeft(project);

        // It stopped rather than finishing: a finished run would have written its artifact into staging.
        Assert.Empty(QllmFiles(StagingFolder));

        var next = project.Build();
        BuildLog.Succeeded(next);
        Assert.True(BuildLog.StartedTool(next.Output));
        Assert.Single(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.GetDirectories(StagingFolder));
        Assert.Equal(0, project.Run().ExitCode);
    }

    [SkippableFact]
    public void Cancelling_the_build_with_ctrl_c_stops_the_tool_and_leaves_no_entry()
    {
        // A shell without job control starts background commands with SIGINT ignored, and every
        // process below them inherits that: no interrupt could reach the build.
        Skip.If(ProcessSignal.IsIgnoredHere(2), "SIGINT is ignored in this process tree (started in the background by a shell without job control)");
        using var project = new FixtureProject(_cache.Path, SlowItem);
        var build = project.StartBuild();
        using var tool = ToolProcess.WaitFor(_cache.Path);

        // The tool is held in block 0 until the build has taken the interrupt: a short run could
        // otherwise finish between the signal and MSBuild's cancellation, and the build succeed.
        PauseInBlock0(build, tool);
        try
        {
            build.Interrupt();
            Assert.True(build.WaitForOutput("Attempting to cancel the build", TimeSpan.FromMinutes(1)), "the build did not take the interrupt:\n" + build.Text());
        }
        finally
        {
            ProcessSignal.Send(tool.Id, "CONT");
        }

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

    /// <summary>
    /// Waits for the tool to say that block 0 is under way, then pauses it (SIGSTOP) and checks that
    /// block 0 has not ended: the block's checkpoint, written when a block ends, is not there, and
    /// neither is the artifact. Whatever kills the paused tool then provably kills it mid-block.
    /// </summary>
    private void PauseInBlock0(RunningProcess build, System.Diagnostics.Process tool)
    {
        Assert.True(build.WaitForOutput(Block0Underway, TimeSpan.FromMinutes(5)), "the build ended before block 0 was under way:\n" + build.Text());
        Assert.True(ProcessSignal.Send(tool.Id, "STOP"), "the tool ended before it could be paused");
        var staging = Assert.Single(Directory.GetDirectories(StagingFolder));
        var artifact = LocalArtifactStore.StagedArtifactPath(staging);
        Assert.False(File.Exists(artifact), "the tool had already written the artifact");
        Assert.False(Directory.Exists(artifact + ".checkpoint"), "the tool had already finished block 0");
    }

    /// <summary>No entry, no artifact (whole or partial) under obj/ or bin/, and no app: a next build cannot take anything the killed one half made.</summary>
    private void AssertNothingUsableLeft(FixtureProject project)
    {
        var entries = Path.Combine(_cache.Path, "v1", "entries");
        Assert.Empty(new LocalArtifactStore(_cache.Path).List());
        Assert.Empty(Directory.Exists(entries) ? Directory.GetDirectories(entries) : []);
        Assert.False(File.Exists(project.ArtifactPath()));
        Assert.Empty(QllmFiles(project.IntermediateFolder));
        Assert.Empty(QllmFiles(project.OutputFolder));
        Assert.False(File.Exists(Path.Combine(project.OutputFolder, project.Name + ".dll")), "the killed build left an app in bin/");
    }

    /// <summary>Artifacts and their temporary files (X.qllm, and X.qllm.GUID.partial as AtomicFile writes them) anywhere under <paramref name="folder"/>.</summary>
    private static string[] QllmFiles(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*.qllm*", SearchOption.AllDirectories) : [];

    public void Dispose() => _cache.Dispose();
}
