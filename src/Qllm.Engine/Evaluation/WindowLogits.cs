using System.Runtime.InteropServices;
using Qllm.Engine.Modeling;
using Qllm.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Evaluation;

/// <summary>
/// Something that scores evaluation windows: the engine's model, or a quantized artifact run by
/// Qllm.Runtime (what apps run), so that <c>qllm eval</c> measures either with the same arithmetic.
/// </summary>
/// <param name="SeqLen">The context: tokens per window.</param>
/// <param name="VocabSize">Width of a row of logits.</param>
/// <param name="Logits">
/// Given the ids of <c>count</c> windows ([count × SeqLen], BOS first), each window's raw logits,
/// row-major: at least its first SeqLen − 1 positions × VocabSize, float32.
/// </param>
public sealed record WindowLogits(int SeqLen, int VocabSize, Func<long[], int, float[][]> Logits)
{
    /// <summary>The engine's model: the windows in one batched forward pass.</summary>
    public static WindowLogits Of(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        return new(config.SeqLen, config.VocabSize, (ids, count) =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var input = tensor(ids, [count, config.SeqLen], device: model.Device);
            var logits = model.Logits(input, cache: null, start: 0).to(ScalarType.Float32).cpu().contiguous();
            int size = config.SeqLen * config.VocabSize;
            var all = MemoryMarshal.Cast<byte, float>(logits.bytes);
            if (all.Length != count * size)
            {
                // A view into a larger storage: copy it out first.
                all = MemoryMarshal.Cast<byte, float>(logits.clone().bytes);
            }

            var windows = new float[count][];
            for (int w = 0; w < count; w++)
            {
                windows[w] = all.Slice(w * size, size).ToArray();
            }

            return windows;
        });
    }

    /// <summary>
    /// A quantized artifact run by Qllm.Runtime. The windows are independent, so up to
    /// <paramref name="parallelWindows"/> run at once, each with its own sequence state; a model
    /// loaded with one thread then runs each window without any hand-off between threads. A
    /// position's products do not depend on which thread computes them, so neither do the logits.
    /// </summary>
    public static WindowLogits Of(QuantizedLanguageModel model, int parallelWindows = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelWindows, 1);
        int seqLen = model.ContextLength;
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelWindows };
        return new(seqLen, model.VocabularySize, (ids, count) =>
        {
            var windows = new float[count][];
            Parallel.For(0, count, options, w =>
            {
                var window = new int[seqLen];
                for (int i = 0; i < seqLen; i++)
                {
                    window[i] = (int)ids[(w * seqLen) + i];
                }

                windows[w] = model.GetLogits(window);
            });
            return windows;
        });
    }
}
