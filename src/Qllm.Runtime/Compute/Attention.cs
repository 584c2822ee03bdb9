using System.Runtime.CompilerServices;
using Qllm.Artifacts.Schema;
using Qllm.Runtime.Kernels;
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
    public static void Run(LlamaConfig config, float[] q, float[] k, float[] v, int tokens, float[] keyCache, float[] valueCache, int start, RotaryTables rope, OnlineTransform? headTransform, int stateBits, float[] attended, Workers workers)
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

        int group = config.Heads / config.KvHeads;
        double scale = 1.0 / Math.Sqrt(headDim);
        workers.For(tokens * config.Heads, (long)(start + tokens) * headDim * 2, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (from, to) =>
        {
            var scores = new double[start + tokens];
            var sums = new double[headDim];
            for (int item = from; item < to; item++)
            {
                int t = item / config.Heads, h = item % config.Heads, kvHead = h / group;
                int visible = start + t + 1;
                var query = q.AsSpan((t * dim) + (h * headDim), headDim);
                double max = double.NegativeInfinity;
                for (int j = 0; j < visible; j++)
                {
                    scores[j] = DoubleAccumulation.Dot(query, keyCache.AsSpan((j * kvDim) + (kvHead * headDim), headDim)) * scale;
                    max = Math.Max(max, scores[j]);
                }

                double total = 0;
                for (int j = 0; j < visible; j++)
                {
                    scores[j] = Math.Exp(scores[j] - max);
                    total += scores[j];
                }

                Array.Clear(sums);
                for (int j = 0; j < visible; j++)
                {
                    DoubleAccumulation.AddScaled(sums, scores[j], valueCache.AsSpan((j * kvDim) + (kvHead * headDim), headDim));
                }

                var output = attended.AsSpan((t * dim) + (h * headDim), headDim);
                for (int d = 0; d < headDim; d++)
                {
                    output[d] = (float)(sums[d] / total);
                }
            }
        });
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
