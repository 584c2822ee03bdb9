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
/// <param name="LogProbabilities">
/// Given the ids of <c>count</c> windows ([count × SeqLen], BOS first), the log-probabilities of the
/// first SeqLen − 1 positions of each window: [count · (SeqLen − 1), VocabSize], float32.
/// </param>
public sealed record WindowLogits(int SeqLen, int VocabSize, Func<long[], int, Tensor> LogProbabilities)
{
    /// <summary>The engine's model.</summary>
    public static WindowLogits Of(LlamaModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = model.Config;
        return new(config.SeqLen, config.VocabSize, (ids, count) =>
        {
            using var scope = NewDisposeScope();
            var input = tensor(ids, [count, config.SeqLen], device: model.Device);
            var logits = model.Logits(input, cache: null, start: 0).narrow(1, 0, config.SeqLen - 1);
            return logits.reshape(count * (config.SeqLen - 1), -1).to(ScalarType.Float32).log_softmax(1).MoveToOuterDisposeScope();
        });
    }

    /// <summary>A quantized artifact run by Qllm.Runtime, one window at a time.</summary>
    public static WindowLogits Of(QuantizedLanguageModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int seqLen = model.ContextLength, vocab = model.VocabularySize, stride = seqLen - 1;
        return new(seqLen, vocab, (ids, count) =>
        {
            var all = new float[count * stride * vocab];
            for (int w = 0; w < count; w++)
            {
                var window = new int[seqLen];
                for (int i = 0; i < seqLen; i++)
                {
                    window[i] = (int)ids[(w * seqLen) + i];
                }

                model.GetLogits(window).AsSpan(0, stride * vocab).CopyTo(all.AsSpan(w * stride * vocab));
            }

            using var logits = tensor(all, [count * stride, vocab]);
            return logits.log_softmax(1);
        });
    }
}
