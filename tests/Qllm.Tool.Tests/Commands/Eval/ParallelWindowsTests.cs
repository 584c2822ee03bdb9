using Qllm.Engine.Evaluation;
using Qllm.Runtime;

namespace Qllm.Tool.Tests.Commands.Eval;

/// <summary>
/// `qllm eval` scores an artifact's windows in parallel, each on one thread: the logits and the
/// numbers must be exactly those of the windows run one after the other on every thread.
/// </summary>
public sealed class ParallelWindowsTests(QuantizedArtifactFixture artifact) : IClassFixture<QuantizedArtifactFixture>
{
    [Fact]
    public void Windows_in_parallel_give_exactly_the_sequential_logits_and_scores()
    {
        using var oneThread = QuantizedLanguageModel.Load(artifact.ArtifactPath, new RuntimeOptions { Threads = 1 });
        using var twoThreads = QuantizedLanguageModel.Load(artifact.ArtifactPath, new RuntimeOptions { Threads = 2 });
        var text = oneThread.Tokenizer.Encode(File.ReadAllText(TestData.EvaluationTextPath));
        int seqLen = oneThread.ContextLength, windows = 3;
        var ids = new long[windows * seqLen];
        for (int w = 0; w < windows; w++)
        {
            ids[w * seqLen] = oneThread.Tokenizer.BosId;
            for (int i = 1; i < seqLen; i++)
            {
                ids[(w * seqLen) + i] = text[(w * (seqLen - 1)) + i - 1];
            }
        }

        var parallel = WindowLogits.Of(oneThread, parallelWindows: 2).Logits(ids, windows);
        var sequential = WindowLogits.Of(twoThreads).Logits(ids, windows);
        for (int w = 0; w < windows; w++)
        {
            Assert.True(parallel[w].AsSpan().SequenceEqual(sequential[w]), $"window {w}");
        }

        // The first position alone (one token: the token-by-token products) against the window's first row.
        var first = twoThreads.GetLogits([oneThread.Tokenizer.BosId]);
        Assert.True(first.AsSpan().SequenceEqual(parallel[0].AsSpan(0, oneThread.VocabularySize)));

        var a = PerplexityEvaluator.Evaluate(WindowLogits.Of(oneThread, parallelWindows: 2), text, oneThread.Tokenizer.BosId, WindowLogits.Of(twoThreads), maxWindows: windows, batchSize: 2);
        var b = PerplexityEvaluator.Evaluate(WindowLogits.Of(twoThreads), text, oneThread.Tokenizer.BosId, WindowLogits.Of(oneThread, parallelWindows: 2), maxWindows: windows, batchSize: 3);
        Assert.Equal(a.Perplexity, b.Perplexity);
        Assert.Equal(0, a.MeanKl);
        Assert.Equal(1, a.Top1Agreement);
    }
}
