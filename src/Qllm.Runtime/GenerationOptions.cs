namespace Qllm.Runtime;

/// <summary>How to continue a prompt.</summary>
/// <param name="MaxTokens">The most tokens to generate.</param>
/// <param name="Temperature">0 for greedy decoding; otherwise the softmax temperature.</param>
/// <param name="TopP">Nucleus sampling: sample from the smallest set of tokens whose probability reaches this (1 = all).</param>
/// <param name="Seed">Seed of the sampler, so that sampled text is reproducible.</param>
public sealed record GenerationOptions(int MaxTokens = 256, double Temperature = 0, double TopP = 0.9, int Seed = 42)
{
    /// <summary>
    /// Texts that end generation when the continuation contains one: the result stops before it
    /// (<see cref="StopReason.StopSequence"/>), and streaming never yields any part of it.
    /// </summary>
    public IReadOnlyList<string>? StopSequences { get; init; }
}
