namespace Qllm.Engine.Tests;

/// <summary>
/// The real stories15M model, its tokenizer and the Brown texts, as `qllm setup` lays them out:
/// $QLLM_DATA_DIR when set, else the repository's git-ignored .data folder.
/// </summary>
internal static class TestData
{
    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("QLLM_DATA_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryRoot(), ".data");

    public static string ModelPath => Path.Combine(Directory, "stories15M.bin");

    public static string TokenizerPath => Path.Combine(Directory, "tokenizer.bin");

    public static string CalibrationTextPath => Path.Combine(Directory, "calibration.txt");

    public static string EvaluationTextPath => Path.Combine(Directory, "evaluation.txt");

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Qllm.Build.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Qllm.Build.sln not found above the test output.");
        }

        return dir;
    }
}
