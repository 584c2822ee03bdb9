using Qllm.Artifacts.Tokenization;
using Qllm.Engine.Modeling;
using Qllm.Runtime;
using Qllm.Runtime.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.Generation;

/// <summary>Continues a prompt with a KV cache, one token at a time.</summary>
public static class TextGenerator
{
    /// <summary>
    /// Generates a continuation of <paramref name="prompt"/> (BOS first). <paramref name="onText"/>
    /// receives the text as it grows: first the prompt, then each new piece.
    /// </summary>
    public static GenerationResult Generate(LlamaModel model, ITextTokenizer tokenizer, string prompt, GenerationOptions settings, Action<string>? onText = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(settings);
        var config = model.Config;
        using var noGrad = no_grad();
        using var cache = new KvCache(config, batch: 1, model.Device);
        int position = 0;
        float[] Step(int[] pending)
        {
            using var scope = NewDisposeScope();
            var input = tensor(pending.Select(t => (long)t).ToArray(), [1, pending.Length], device: model.Device);
            var logits = model.Logits(input, cache, position)[0, -1].to(CPU).data<float>().ToArray();
            position += pending.Length;
            return logits;
        }

        return GenerationLoop.Run(tokenizer, config.SeqLen, prompt, settings, Step, onText, cancellation);
    }
}
