namespace Qllm.Runtime;

/// <summary>What a generation produced.</summary>
/// <param name="Text">The prompt followed by the continuation, decoded.</param>
/// <param name="Continuation">The generated text alone.</param>
/// <param name="PromptTokens">Tokens in the prompt, BOS included.</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="StopReason">Why generation stopped.</param>
/// <param name="PromptSeconds">Time to process the prompt and pick the first token.</param>
/// <param name="DecodeSeconds">Time spent on the tokens after the first.</param>
public sealed record GenerationResult(string Text, string Continuation, int PromptTokens, int GeneratedTokens, StopReason StopReason, double PromptSeconds, double DecodeSeconds)
{
    /// <summary>Tokens per second after the first token (0 when fewer than two were generated).</summary>
    public double DecodeTokensPerSecond => GeneratedTokens > 1 && DecodeSeconds > 0 ? (GeneratedTokens - 1) / DecodeSeconds : 0;
}
