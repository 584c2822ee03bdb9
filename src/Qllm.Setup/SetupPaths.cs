namespace Qllm.Setup;

/// <summary>The files <c>qllm setup</c> provides, as absolute paths.</summary>
/// <param name="Model">The stories15M llama2.c checkpoint (<c>stories15M.bin</c>).</param>
/// <param name="Tokenizer">Its llama2.c tokenizer (<c>tokenizer.bin</c>).</param>
/// <param name="CalibrationText">Text to calibrate quantization on (<c>calibration.txt</c>).</param>
/// <param name="EvaluationText">Text to measure perplexity on, disjoint from the calibration text (<c>evaluation.txt</c>).</param>
public sealed record SetupPaths(string Model, string Tokenizer, string CalibrationText, string EvaluationText)
{
    /// <summary>The paths of the four files inside <paramref name="dataDir"/>.</summary>
    /// <param name="dataDir">The data folder.</param>
    /// <returns>The paths; the files may not exist yet.</returns>
    public static SetupPaths In(string dataDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        var dir = Path.GetFullPath(dataDir);
        return new SetupPaths(
            Path.Combine(dir, "stories15M.bin"),
            Path.Combine(dir, "tokenizer.bin"),
            Path.Combine(dir, "calibration.txt"),
            Path.Combine(dir, "evaluation.txt"));
    }
}
