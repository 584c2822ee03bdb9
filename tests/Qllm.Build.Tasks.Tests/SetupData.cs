namespace Qllm.Build.Tasks.Tests;

/// <summary>
/// The real stories15M model and texts, fetched on first use by the project's own setup (`qllm
/// setup`, run out of process like the build runs it) into $QLLM_DATA_DIR when set, else the
/// repository's git-ignored .data folder.
/// </summary>
internal static class SetupData
{
    private static readonly Lazy<string> Folder = new(Ensure, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Folder.Value;

    public static string ModelPath => Path.Combine(Directory, "stories15M.bin");

    public static string CalibrationPath => Path.Combine(Directory, "calibration.txt");

    private static string Ensure()
    {
        var folder = Environment.GetEnvironmentVariable("QLLM_DATA_DIR") is { Length: > 0 } given ? given : Path.Combine(Repository.Root, ".data");
        var result = DotnetProcess.Run(Repository.Root, TimeSpan.FromMinutes(10), Repository.ToolAssembly, "setup", "--data-dir", folder);
        Assert.True(result.ExitCode == 0, $"qllm setup failed:\n{result.Output}");
        return folder;
    }
}
