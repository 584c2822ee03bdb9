using System.Diagnostics;
using Qllm.Core.Errors;
using Qllm.Engine.Modeling;

namespace Qllm.Engine.Evaluation;

/// <summary>
/// Perplexity over non-overlapping windows of the model's sequence length: the text is tokenized
/// once without BOS, cut into windows of BOS + (seq_len − 1) tokens, the last partial window
/// dropped. With a reference model, also the mean KL divergence KL(P_ref ‖ P_model) and the
/// top-1 agreement at the same positions: the fidelity metrics quantization is judged by.
/// </summary>
public static class PerplexityEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="textTokens"/>.</summary>
    /// <param name="model">The model under test.</param>
    /// <param name="textTokens">The text's token ids, without BOS.</param>
    /// <param name="bosId">The BOS id that opens every window.</param>
    /// <param name="reference">A reference model with the same vocabulary, or null.</param>
    /// <param name="maxWindows">Evaluate at most this many windows (from the start), or all when null.</param>
    /// <param name="batchSize">Windows per forward pass.</param>
    /// <param name="textPath">The text file, for error messages.</param>
    public static EvaluationResult Evaluate(LlamaModel model, IReadOnlyList<int> textTokens, int bosId, LlamaModel? reference = null, int? maxWindows = null, int batchSize = 8, string? textPath = null) =>
        Evaluate(WindowLogits.Of(model), textTokens, bosId, reference is null ? null : WindowLogits.Of(reference), maxWindows, batchSize, textPath);

    /// <summary>Evaluates whatever scores the windows (the engine's model or the runtime's), against an optional reference.</summary>
    public static EvaluationResult Evaluate(WindowLogits model, IReadOnlyList<int> textTokens, int bosId, WindowLogits? reference, int? maxWindows = null, int batchSize = 8, string? textPath = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(textTokens);
        int seqLen = model.SeqLen, stride = seqLen - 1;
        if (reference is not null && (reference.VocabSize != model.VocabSize || reference.SeqLen != seqLen))
        {
            throw new QllmException(ErrorCodes.BadRequest, null, $"the reference model (vocabulary {reference.VocabSize}, context {reference.SeqLen}) does not match the model (vocabulary {model.VocabSize}, context {seqLen})", "compare models of the same vocabulary and context");
        }

        int windows = textTokens.Count / stride;
        if (maxWindows is { } cap)
        {
            windows = Math.Min(windows, cap);
        }

        if (windows == 0)
        {
            throw new QllmException(ErrorCodes.BadText, textPath, $"the text is {textTokens.Count} tokens, shorter than one window of {stride} tokens", "evaluate on a longer text");
        }

        var clock = Stopwatch.StartNew();
        double nll = 0, kl = 0;
        long agree = 0;
        int vocab = model.VocabSize;
        var scores = new RowScore[Math.Min(batchSize, windows) * stride];
        for (int first = 0; first < windows; first += batchSize)
        {
            int count = Math.Min(batchSize, windows - first);
            var ids = new long[count * seqLen];
            for (int w = 0; w < count; w++)
            {
                int offset = (first + w) * stride;
                ids[w * seqLen] = bosId;
                for (int i = 0; i < stride; i++)
                {
                    ids[(w * seqLen) + 1 + i] = textTokens[offset + i];
                }
            }

            var logits = model.Logits(ids, count);
            var referenceLogits = reference?.Logits(ids, count);

            // Position i of a window predicts its token i + 1 (the window's id i + 1); the last
            // position has no target inside it. Rows are scored on every core, then summed in order,
            // so the totals do not depend on the threads.
            Parallel.For(0, count * stride, row =>
            {
                int w = row / stride, i = row % stride;
                var modelRow = logits[w].AsSpan(i * vocab, vocab);
                var referenceRow = referenceLogits is null ? default : referenceLogits[w].AsSpan(i * vocab, vocab);
                scores[row] = LogitRow.Score(modelRow, referenceRow, (int)ids[(w * seqLen) + i + 1]);
            });

            for (int row = 0; row < count * stride; row++)
            {
                nll += scores[row].Nll;
                kl += scores[row].Kl;
                agree += scores[row].Agree ? 1 : 0;
            }
        }

        long positions = (long)windows * stride;
        return new EvaluationResult(
            windows,
            positions,
            Math.Exp(nll / positions),
            reference is null ? null : kl / positions,
            reference is null ? null : (double)agree / positions,
            clock.Elapsed.TotalSeconds);
    }
}
