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
    /// What a multiply-add of attention costs in the products' multiply-adds (the unit of
    /// <see cref="Workers.For"/>): a float widened to double and a double multiply-add take about
    /// four times as long as a 4-bit product's. Counted as products, a 1B decode step's 32 heads at
    /// position 30 were cut into 3 chunks for 2 threads (one thread did two thirds); now into 8.
    /// </summary>
    private const long DoubleCost = 4;

    /// <summary>A head value's preparation (rotary pair, transform, quantization: scalar float and double work) in the products' multiply-adds.</summary>
    private const long HeadCost = 64;

    /// <summary>
    /// Attends for <paramref name="tokens"/> new tokens at positions start..; appends their keys and
    /// values to the cache and writes the merged heads to <paramref name="attended"/> [tokens × dim].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(LlamaConfig config, float[] q, float[] k, float[] v, int tokens, float[] keyCache, float[] valueCache, int start, RotaryTables rope, OnlineTransform? headTransform, int stateBits, float[] attended, Workers workers, HeadPreparation heads, AttentionWork work)
    {
        int headDim = config.HeadDim, kvDim = config.KvDim;
        heads.Set(config, q, k, v, start, rope, headTransform, stateBits);
        workers.For(tokens * HeadPreparation.Heads(config), headDim * HeadCost, heads);
        for (int t = 0; t < tokens; t++)
        {
            int position = start + t;
            k.AsSpan(t * kvDim, kvDim).CopyTo(keyCache.AsSpan(position * kvDim, kvDim));
            v.AsSpan(t * kvDim, kvDim).CopyTo(valueCache.AsSpan(position * kvDim, kvDim));
        }

        work.Set(config, q, keyCache, valueCache, start, tokens, attended, workers.Threads);
        workers.For(tokens * config.Heads, (long)(start + tokens) * headDim * 2 * DoubleCost, work);
    }
}
