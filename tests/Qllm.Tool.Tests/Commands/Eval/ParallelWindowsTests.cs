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
        int seqLen = oneThread.ContextLength, vocab = oneThread.VocabularySize, windows = 3;
        var ids = new int[windows][];
        for (int w = 0; w < windows; w++)
        {
            ids[w] = [oneThread.Tokenizer.BosId, .. text.Skip(w * (seqLen - 1)).Take(seqLen - 1)];
        }

        // The windows side by side on one-thread models, against each alone on a two-thread model.
        var parallel = new float[windows][];
        var scorer = WindowLogits.Of(oneThread);
        Parallel.For(0, windows, w => scorer.Write(ids[w], parallel[w] = new float[seqLen * vocab]));
        for (int w = 0; w < windows; w++)
        {
            var alone = twoThreads.GetLogits(ids[w]);
            Assert.True(parallel[w].AsSpan().SequenceEqual(alone), $"window {w}");
        }

        // The first position alone (one token: the token-by-token products) against the window's first row.
        var first = twoThreads.GetLogits([oneThread.Tokenizer.BosId]);
        Assert.True(first.AsSpan().SequenceEqual(parallel[0].AsSpan(0, vocab)));

        var a = PerplexityEvaluator.Evaluate(WindowLogits.Of(oneThread), text, oneThread.Tokenizer.BosId, WindowLogits.Of(twoThreads), maxWindows: windows, threads: 2);
        var b = PerplexityEvaluator.Evaluate(WindowLogits.Of(twoThreads), text, oneThread.Tokenizer.BosId, WindowLogits.Of(oneThread), maxWindows: windows, threads: 1);
        Assert.Equal(a.Perplexity, b.Perplexity);
        Assert.Equal(0, a.MeanKl);
        Assert.Equal(1, a.Top1Agreement);
    }
}
