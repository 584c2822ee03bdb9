using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Model;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Causal grouped-query attention over the KV cache: rotary embedding of queries and keys, optional
/// per-head quantization of the q/k/v states (as the engine's quantized model does), then
/// softmax(q·kᵀ/√d)·v per head in double, rounded once to float, as the engine's finished models
/// compute it: the result does not depend on the order of the sums, so the o_proj activation codes
/// are the engine's. A rotated model's head transform turns every query and key head after the
/// rotary embedding, before the state quantization and before the keys enter the cache (q·k does
/// not change: the transform is orthogonal).
/// </summary>
internal static class Attention
{
    /// <summary>
    /// Attends for <paramref name="tokens"/> new tokens at positions start..; appends their keys and
    /// values to the cache and writes the merged heads to <paramref name="attended"/> [tokens × dim].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(LlamaConfig config, float[] q, float[] k, float[] v, int tokens, float[] keyCache, float[] valueCache, int start, RotaryTables rope, OnlineTransform? headTransform, int stateBits, float[] attended, Workers workers, AttentionWork work)
    {
        int headDim = config.HeadDim, kvDim = config.KvDim, dim = config.Dim;
        for (int t = 0; t < tokens; t++)
        {
            int position = start + t;
            for (int h = 0; h < config.Heads; h++)
            {
                Prepare(q.AsSpan((t * dim) + (h * headDim), headDim), position, rope, headTransform, stateBits);
            }

            for (int h = 0; h < config.KvHeads; h++)
            {
                Prepare(k.AsSpan((t * kvDim) + (h * headDim), headDim), position, rope, headTransform, stateBits);
                Prepare(v.AsSpan((t * kvDim) + (h * headDim), headDim), position, rope: null, headTransform: null, stateBits);
            }

            k.AsSpan(t * kvDim, kvDim).CopyTo(keyCache.AsSpan(position * kvDim, kvDim));
            v.AsSpan(t * kvDim, kvDim).CopyTo(valueCache.AsSpan(position * kvDim, kvDim));
        }

        work.Set(config, q, keyCache, valueCache, start, tokens, attended, workers.Threads);
        workers.For(tokens * config.Heads, (long)(start + tokens) * headDim * 2, work);
    }

    /// <summary>Queries and keys get the rotary embedding and the head transform; values neither (null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Prepare(Span<float> head, int position, RotaryTables? rope, OnlineTransform? headTransform, int stateBits)
    {
        rope?.Apply(head, position);
        headTransform?.Apply(head);

        if (stateBits > 0)
        {
            TokenQuantizer.FakeQuantize(head, stateBits);
        }
    }
}
