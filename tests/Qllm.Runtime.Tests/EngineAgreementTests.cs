using Qllm.Engine.Loading;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Qllm.Runtime.Tests;

/// <summary>
/// The runtime must compute what the engine's quantized model computes: same codes, same ranges,
/// same reassembly, only a different order of float sums. Compared on windows of the real
/// evaluation text (BOS + 255 tokens each), as <c>qllm eval</c> cuts them.
/// </summary>
public sealed class EngineAgreementTests(QuantizedArtifactsFixture artifacts, ITestOutputHelper output) : IClassFixture<QuantizedArtifactsFixture>
{
    // 6 windows (1536 positions) keep the suite fast; QLLM_AGREEMENT_WINDOWS=0 compares the whole text.
    private static readonly int Windows = int.TryParse(Environment.GetEnvironmentVariable("QLLM_AGREEMENT_WINDOWS"), out int windows) ? windows : 6;

    [Theory]
    [InlineData("W4A4")]
    [InlineData("W6A6")]
    [InlineData("W4A16")]
    [InlineData(QuantizedArtifactsFixture.RotatedW4A4)]
    public void The_runtime_gives_the_engines_logits(string preset)
    {
        var path = artifacts.Artifact(preset);
        using var engine = ModelLoader.Load(path, null, CPU);
        using var runtime = QuantizedLanguageModel.Load(path);
        var agreement = Compare(engine, runtime.GetLogits, runtime.VocabularySize);
        output.WriteLine($"{preset}: top-1 agreement {agreement.Top1:P3} over {agreement.Positions} positions, max |Δlogit| {agreement.MaxDifference:G3}");
        Assert.True(agreement.Top1 >= 0.999, $"top-1 agreement {agreement.Top1:P3}");
        Assert.True(agreement.MaxDifference < 1e-3, $"max |Δlogit| {agreement.MaxDifference}");
    }

    [Fact]
    public void The_full_precision_path_gives_the_engines_float_logits()
    {
        using var engine = ModelLoader.Load(TestData.ModelPath, null, CPU);
        using var runtime = QuantizedLanguageModel.LoadFullPrecision(TestData.ModelPath, TestData.TokenizerPath);
        var agreement = Compare(engine, runtime.GetLogits, runtime.VocabularySize);
        output.WriteLine($"fp32: top-1 agreement {agreement.Top1:P3}, max |Δlogit| {agreement.MaxDifference:G3}");
        Assert.True(agreement.Top1 >= 0.999);
        Assert.True(agreement.MaxDifference < 1e-3, $"max |Δlogit| {agreement.MaxDifference}");
    }

    internal static (double Top1, int Positions, double MaxDifference) Compare(LoadedModel engine, Func<IReadOnlyList<int>, float[]> runtime, int vocab)
    {
        var text = engine.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        int window = engine.Model.Config.SeqLen;
        int agree = 0, positions = 0;
        double maxDifference = 0;
        using var noGrad = no_grad();
        int count = Windows > 0 ? Windows : text.Count / (window - 1);
        for (int w = 0; w < count; w++)
        {
            var tokens = text.Skip(w * (window - 1)).Take(window - 1).Prepend(engine.Tokenizer.BosId).ToArray();
            using var input = tensor(tokens.Select(t => (long)t).ToArray()).unsqueeze(0);
            using var reference = engine.Model.forward(input);
            var expected = reference[0].data<float>().ToArray();
            var actual = runtime(tokens);
            for (int p = 0; p < tokens.Length; p++)
            {
                var e = expected.AsSpan(p * vocab, vocab);
                var a = actual.AsSpan(p * vocab, vocab);
                agree += ArgMax(e) == ArgMax(a) ? 1 : 0;
                positions++;
                for (int v = 0; v < vocab; v++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(e[v] - a[v]));
                }
            }
        }

        return ((double)agree / positions, positions, maxDifference);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }
}
