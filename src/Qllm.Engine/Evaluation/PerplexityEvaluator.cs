using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
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
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="textTokens"/>, one window at a time.</summary>
    /// <param name="model">The model under test.</param>
    /// <param name="textTokens">The text's token ids, without BOS.</param>
    /// <param name="bosId">The BOS id that opens every window.</param>
    /// <param name="reference">A reference model with the same vocabulary, or null.</param>
    /// <param name="maxWindows">Evaluate at most this many windows (from the start), or all when null.</param>
    /// <param name="textPath">The text file, for error messages.</param>
    public static EvaluationResult Evaluate(LlamaModel model, IReadOnlyList<int> textTokens, int bosId, LlamaModel? reference = null, int? maxWindows = null, string? textPath = null) =>
        Evaluate(WindowLogits.Of(model), textTokens, bosId, reference is null ? null : WindowLogits.Of(reference), maxWindows, threads: 1, textPath);

    /// <summary>
    /// Evaluates whatever scores the windows (the engine's model or the runtime's), against an
    /// optional reference. Up to <paramref name="threads"/> windows are scored at once, each on one
    /// thread from its logits to its rows' scores, so that only those windows' logits are held.
    /// The totals are summed in window order, so they do not depend on the threads.
    /// </summary>
    public static EvaluationResult Evaluate(WindowLogits model, IReadOnlyList<int> textTokens, int bosId, WindowLogits? reference, int? maxWindows = null, int threads = 1, string? textPath = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(textTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
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
        int vocab = model.VocabSize;
        var windowScores = new WindowScore[windows];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };

        // One set of buffers per window in flight, reused: a fresh window's logits would be faulted in anew.
        var idle = new ConcurrentBag<WindowBuffers>();
        try
        {
            Parallel.For(
                0,
                windows,
                options,
                w =>
                {
                    var buffers = idle.TryTake(out var free) ? free : new WindowBuffers(seqLen, vocab, reference is not null);
                    windowScores[w] = ScoreWindow(model, reference, textTokens, w, bosId, buffers);
                    idle.Add(buffers);
                });
        }
        catch (AggregateException error)
        {
            // The first window's failure as it was thrown (a QllmException keeps its code and file);
            // windows running beside it usually fail the same way.
            ExceptionDispatchInfo.Throw(error.InnerExceptions[0]);
        }

        var total = default(WindowScore);
        foreach (var score in windowScores)
        {
            total = total.Add(score);
        }

        long positions = (long)windows * stride;
        return new EvaluationResult(
            windows,
            positions,
            Math.Exp(total.Nll / positions),
            reference is null ? null : total.Kl / positions,
            reference is null ? null : (double)total.Agree / positions,
            clock.Elapsed.TotalSeconds);
    }

    // Position i of a window predicts its token i + 1 (the window's id i + 1); the last position
    // has no target inside it.
    private static WindowScore ScoreWindow(WindowLogits model, WindowLogits? reference, IReadOnlyList<int> textTokens, int window, int bosId, WindowBuffers buffers)
    {
        int vocab = model.VocabSize, stride = model.SeqLen - 1;
        var ids = buffers.Ids;
        ids[0] = bosId;
        for (int i = 0; i < stride; i++)
        {
            ids[1 + i] = textTokens[(window * stride) + i];
        }

        model.Write(ids, buffers.Model);
        reference?.Write(ids, buffers.Reference);
        var score = default(WindowScore);
        for (int i = 0; i < stride; i++)
        {
            var referenceRow = reference is null ? default : buffers.Reference.AsSpan(i * vocab, vocab);
            score = score.Add(LogitRow.Score(buffers.Model.AsSpan(i * vocab, vocab), referenceRow, ids[i + 1]));
        }

        return score;
    }
}
