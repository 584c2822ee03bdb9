using System.Diagnostics;
using Qllm.Artifacts.Tokenization;
using Qllm.Core.Errors;

namespace Qllm.Runtime.Generation;

/// <summary>
/// Continues a prompt one token at a time, whatever computes the logits (the runtime's managed
/// forward pass or the engine's TorchSharp model): BOS and the prompt first, then sampled tokens
/// until EOS (or BOS, which llama2.c models emit at the end of a story), a stop sequence, the token
/// budget, or the end of the context, whichever comes first. Public so that another forward pass
/// (the qllm tool's TorchSharp engine, or an app's own) generates exactly as <see cref="QuantizedLanguageModel"/> does.
/// </summary>
public static class GenerationLoop
{
    private static readonly HashSet<int> NoTokens = [];

    /// <summary>Runs a generation.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="contextLength">The model's context, in tokens.</param>
    /// <param name="prompt">The text to continue.</param>
    /// <param name="options">Budget, sampling and stop sequences.</param>
    /// <param name="step">Feeds the given tokens at the next positions and returns the last position's logits.</param>
    /// <param name="onText">Receives the text as it grows: first the decoded prompt (always, even when empty), then each new piece.</param>
    /// <param name="cancellation">Checked before every step.</param>
    /// <returns>The text, the counts, why it stopped and how long each phase took.</returns>
    /// <exception cref="QllmException">The prompt does not fit the context (<see cref="ErrorCodes.PromptTooLong"/>).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled.</exception>
    public static GenerationResult Run(ITextTokenizer tokenizer, int contextLength, string prompt, GenerationOptions options, Func<int[], float[]> step, Action<string>? onText, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = new List<int> { tokenizer.BosId };
        tokens.AddRange(tokenizer.Encode(prompt));
        return Run(tokenizer, contextLength, tokens, NoTokens, options, step, onText, cancellation);
    }

    /// <summary>
    /// Runs a generation from prompt tokens as given (a chat prompt brings its own BOS, or none),
    /// stopping also at any of <paramref name="endOfTurn"/> (a chat template's end-of-turn tokens).
    /// </summary>
    internal static GenerationResult Run(ITextTokenizer tokenizer, int contextLength, List<int> tokens, IReadOnlySet<int> endOfTurn, GenerationOptions options, Func<int[], float[]> step, Action<string>? onText, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(step);
        if (tokens.Count == 0)
        {
            tokens.Add(tokenizer.BosId);
        }

        if (tokens.Count >= contextLength)
        {
            throw new QllmException(ErrorCodes.PromptTooLong, null, $"the prompt is {tokens.Count} tokens (BOS included) and the model's context is {contextLength}, which leaves no room to generate", "shorten the prompt");
        }

        int promptTokens = tokens.Count;
        var promptText = tokenizer.Decode(tokens);
        var stops = new StopSequences(options.StopSequences, promptText.Length);
        var text = promptText.TrimEnd('\uFFFD');
        onText?.Invoke(text);
        var sampler = new TokenSampler(options.Temperature, options.TopP, options.Seed);
        var stop = StopReason.MaxTokens;
        var clock = Stopwatch.StartNew();
        double promptSeconds = 0;
        int position = 0;
        var pending = tokens.ToArray();
        string? final = null;
        for (int generated = 0; generated < options.MaxTokens; generated++)
        {
            cancellation.ThrowIfCancellationRequested();
            if (position + pending.Length > contextLength)
            {
                stop = StopReason.ContextFull;
                break;
            }

            int next = sampler.Next(step(pending));
            position += pending.Length;
            if (generated == 0)
            {
                promptSeconds = clock.Elapsed.TotalSeconds;
            }

            if (next == tokenizer.EosId || next == tokenizer.BosId || endOfTurn.Contains(next))
            {
                stop = StopReason.EndOfText;
                break;
            }

            tokens.Add(next);
            pending = [next];
            var decoded = tokenizer.Decode(tokens);
            if (stops.FindStop(decoded) is int cut)
            {
                final = decoded[..cut];
                stop = StopReason.StopSequence;
                break;
            }

            EmitStable(decoded, stops, ref text, onText);
        }

        final ??= tokenizer.Decode(tokens);
        if (final.Length > text.Length && final.StartsWith(text, StringComparison.Ordinal))
        {
            onText?.Invoke(final[text.Length..]);
        }

        var continuation = final.StartsWith(promptText, StringComparison.Ordinal) ? final[promptText.Length..] : tokenizer.Decode(tokens[promptTokens..]);
        return new GenerationResult(final, continuation, promptTokens, tokens.Count - promptTokens, stop, promptSeconds, clock.Elapsed.TotalSeconds - promptSeconds);
    }

    // A character split over byte-fallback tokens decodes as U+FFFD until its last byte arrives, so
    // only the text before a trailing replacement character is final and safe to emit; text that
    // may be the start of a stop sequence is held back until it is known not to be one.
    private static void EmitStable(string decoded, StopSequences stops, ref string emitted, Action<string>? onText)
    {
        var stable = decoded.TrimEnd('\uFFFD');
        stable = stable[..(stable.Length - stops.PartialSuffixLength(stable))];
        if (stable.Length > emitted.Length && stable.StartsWith(emitted, StringComparison.Ordinal))
        {
            onText?.Invoke(stable[emitted.Length..]);
            emitted = stable;
        }
    }
}
