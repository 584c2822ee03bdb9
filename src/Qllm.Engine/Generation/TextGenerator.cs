using System.Diagnostics;
using Qllm.Errors;
using Qllm.Engine.Modeling;
using Qllm.Tokenization;
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
    public static GenerationResult Generate(LlamaModel model, ITextTokenizer tokenizer, string prompt, GenerationSettings settings, Action<string>? onText = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(settings);
        var config = model.Config;
        var tokens = new List<int> { tokenizer.BosId };
        tokens.AddRange(tokenizer.Encode(prompt));
        if (tokens.Count >= config.SeqLen)
        {
            throw new QllmException(ErrorCodes.BadRequest, null, $"the prompt is {tokens.Count} tokens (BOS included) and the model's context is {config.SeqLen}", "shorten the prompt");
        }

        int promptTokens = tokens.Count;
        var text = string.Empty;
        EmitStable(tokenizer.Decode(tokens), ref text, onText);
        var sampler = new TokenSampler(settings);
        var stop = StopReason.MaxTokens;
        var clock = Stopwatch.StartNew();
        double promptSeconds = 0;
        using var noGrad = no_grad();
        using var cache = new KvCache(config, batch: 1, model.Device);
        int position = 0;
        var pending = tokens.ToArray();
        for (int generated = 0; generated < settings.MaxTokens; generated++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (position + pending.Length > config.SeqLen)
            {
                stop = StopReason.ContextFull;
                break;
            }

            int next;
            using (var scope = NewDisposeScope())
            {
                var input = tensor(pending.Select(t => (long)t).ToArray(), [1, pending.Length], device: model.Device);
                var logits = model.Logits(input, cache, position)[0, -1].to(CPU).data<float>().ToArray();
                next = sampler.Next(logits);
            }

            position += pending.Length;
            if (generated == 0)
            {
                promptSeconds = clock.Elapsed.TotalSeconds;
            }

            if (next == tokenizer.EosId || next == tokenizer.BosId)
            {
                stop = StopReason.EndOfText;
                break;
            }

            tokens.Add(next);
            pending = [next];
            EmitStable(tokenizer.Decode(tokens), ref text, onText);
        }

        var final = tokenizer.Decode(tokens);
        if (final.Length > text.Length && final.StartsWith(text, StringComparison.Ordinal))
        {
            onText?.Invoke(final[text.Length..]);
        }

        return new GenerationResult(final, promptTokens, tokens.Count - promptTokens, stop, promptSeconds, clock.Elapsed.TotalSeconds - promptSeconds);
    }

    // A character split over byte-fallback tokens decodes as U+FFFD until its last byte arrives, so
    // only the text before a trailing replacement character is final and safe to emit.
    private static void EmitStable(string decoded, ref string emitted, Action<string>? onText)
    {
        var stable = decoded.TrimEnd('\uFFFD');
        if (stable.Length > emitted.Length && stable.StartsWith(emitted, StringComparison.Ordinal))
        {
            onText?.Invoke(stable[emitted.Length..]);
            emitted = stable;
        }
    }
}
