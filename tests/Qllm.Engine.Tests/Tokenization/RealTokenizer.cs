using Qllm.Engine.Tokenization;

namespace Qllm.Engine.Tests.Tokenization;

/// <summary>The real tokenizer.bin and evaluation text, loaded once for all tests.</summary>
internal static class RealTokenizer
{
    private static readonly Lazy<Llama2CTokenizer> Llama2C = new(() => Llama2CTokenizer.Load(TestData.TokenizerPath, 32000));

    private static readonly Lazy<string> Evaluation = new(() => File.ReadAllText(TestData.EvaluationTextPath));

    public static Llama2CTokenizer Instance => Llama2C.Value;

    public static string EvaluationText => Evaluation.Value;

    public static string[] EvaluationLines => EvaluationText.Split('\n');
}
