namespace Qllm.Runtime;

/// <summary>Why generation stopped.</summary>
public enum StopReason
{
    /// <summary>The model emitted EOS, or BOS (llama2.c models end a story that way).</summary>
    EndOfText,

    /// <summary>The requested number of tokens was generated.</summary>
    MaxTokens,

    /// <summary>The model's context is full.</summary>
    ContextFull,

    /// <summary>The continuation reached one of <see cref="GenerationOptions.StopSequences"/> (left out of the text).</summary>
    StopSequence,
}
