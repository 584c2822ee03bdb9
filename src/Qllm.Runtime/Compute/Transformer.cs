using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Model;

namespace Qllm.Runtime.Compute;

/// <summary>
/// The LLaMA forward pass over read-only weights: embedding lookup, the decoder blocks, the final
/// norm and the classifier. Immutable once built, so any number of sequences (each with its own
/// <see cref="InferenceState"/>) can run through it at once. A rotated model's residual transform
/// turns the embedding rows after the lookup and turns the hidden state back (its transpose) before
/// the final norm, so the classifier stays the tied embedding; the blocks hold the other transforms.
/// </summary>
internal sealed class Transformer(LlamaConfig config, WeightMatrix embedding, IReadOnlyList<DecoderBlock> blocks, float[] finalNorm, LinearGroup classifier, OnlineTransforms transforms)
{
    private readonly RotaryTables _rope = new(config);

    public LlamaConfig Config { get; } = config;

    /// <summary>The classifier's linear (the embedding's matrix when tied).</summary>
    public LinearGroup Classifier => classifier;

    /// <summary>Bytes of model data held in memory (mapped or owned); a tied classifier and the shared transforms are counted once.</summary>
    public long Bytes => embedding.Bytes + blocks.Sum(b => b.Bytes) + (finalNorm.Length * 4L) + transforms.Bytes
        + (classifier.Matrices[0] == embedding ? classifier.Input.Bytes : classifier.Bytes);

    /// <summary>
    /// Why the context ends where it does, for errors: a sliding-window model's context is capped at its
    /// window, since beyond it attention no longer sees every earlier token, which this forward pass does not implement.
    /// </summary>
    public string WindowNote => Config.SlidingWindow is { } window ? $" (the model's sliding attention window of {window} tokens: longer contexts are not supported)" : string.Empty;

    public InferenceState NewState() => new(Config.Layers, Config.SeqLen, Config.KvDim);

    /// <summary>
    /// Runs <paramref name="tokens"/> at the next positions of <paramref name="state"/> and returns the
    /// logits of every position ([tokens × vocab]) or, with <paramref name="lastOnly"/>, of the last one.
    /// The array belongs to the state: its next call with as many rows of logits overwrites it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float[] Forward(ReadOnlySpan<int> tokens, InferenceState state, bool lastOnly, Workers workers)
    {
        int count = tokens.Length, dim = Config.Dim, start = state.Length;
        if (count == 0 || start + count > Config.SeqLen)
        {
            throw new ArgumentException($"{count} tokens after {start} do not fit the context of {Config.SeqLen}{WindowNote}", nameof(tokens));
        }

        state.EnsureCapacity(start + count);
        var scratch = state.Scratch ??= new ForwardScratch(Config);
        scratch.Ensure(count);
        var hidden = scratch.Hidden;
        for (int t = 0; t < count; t++)
        {
            if ((uint)tokens[t] >= (uint)Config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), $"token {tokens[t]} is outside the vocabulary of {Config.VocabSize}");
            }

            embedding.ReadRow(tokens[t], hidden.AsSpan(t * dim, dim));
            transforms.Residual?.Apply(hidden.AsSpan(t * dim, dim));
        }

        // Indexed: a foreach over the interface would box the list's enumerator on every step.
        for (int layer = 0; layer < blocks.Count; layer++)
        {
            blocks[layer].Forward(hidden, count, state, start, _rope, workers);
        }

        state.Length = start + count;
        int rows = lastOnly ? 1 : count;
        for (int t = count - rows; transforms.Residual is not null && t < count; t++)
        {
            transforms.Residual.ApplyTranspose(hidden.AsSpan(t * dim, dim));
        }

        var normed = scratch.Normed.AsSpan(0, rows * dim);
        RmsNorm.Apply(hidden.AsSpan((count - rows) * dim), finalNorm, Config.RmsNormEps, normed, rows);
        var logits = scratch.Logits(rows);
        classifier.Run(normed, rows, logits, workers, scratch, ForwardStage.Classifier);
        return logits[0];
    }
}
