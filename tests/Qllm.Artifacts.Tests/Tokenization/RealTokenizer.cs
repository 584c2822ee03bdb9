using Qllm.Artifacts.Tokenization;

namespace Qllm.Artifacts.Tests.Tokenization;

/// <summary>
/// The real tokenizer.bin and evaluation text, loaded and encoded once for all tests: the test
/// build is unoptimised, and encoding the text is most of this suite's time.
/// </summary>
internal static class RealTokenizer
{
    private static readonly Lazy<Llama2CTokenizer> Llama2C = new(() => Llama2CTokenizer.Load(TestData.TokenizerPath, 32000));

    private static readonly Lazy<string> Evaluation = new(() => File.ReadAllText(TestData.EvaluationTextPath));

    private static readonly Lazy<IReadOnlyList<int>> EvaluationTokens = new(() => Instance.Encode(EvaluationText));

    private static readonly Lazy<IReadOnlyList<int>[]> EvaluationLineTokens = new(() => [.. EvaluationLines.Select(Instance.Encode)]);

    public static Llama2CTokenizer Instance => Llama2C.Value;

    public static string EvaluationText => Evaluation.Value;

    public static string[] EvaluationLines => EvaluationText.Split('\n');

    /// <summary>The whole evaluation text encoded by <see cref="Instance"/>.</summary>
    public static IReadOnlyList<int> EvaluationIds => EvaluationTokens.Value;

    /// <summary>Each line of the evaluation text encoded by <see cref="Instance"/>.</summary>
    public static IReadOnlyList<int>[] EvaluationLineIds => EvaluationLineTokens.Value;
}
