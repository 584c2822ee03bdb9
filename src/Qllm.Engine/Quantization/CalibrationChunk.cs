namespace Qllm.Engine.Quantization;

/// <summary>
/// How many calibration samples a forward pass over the calibration set takes at once: about
/// <see cref="Tokens"/> tokens, at least one sample. A layer's intermediates live until its forward
/// pass ends, so they scale with the chunk. On stories15M, chunks of 4 samples (1024 tokens)
/// instead of 16 took rotation + GPTQ's peak from 1161 to 855 MiB at the same speed and with the
/// same artifact; a 1B model's 2048-token samples then go one at a time.
/// </summary>
internal static class CalibrationChunk
{
    /// <summary>Tokens per chunk.</summary>
    public const int Tokens = 1024;

    /// <summary>Samples of <paramref name="tokensPerSample"/> tokens that make about <paramref name="tokens"/> tokens (a forward chunk by default), at least one.</summary>
    public static int Samples(long tokensPerSample, int tokens = Tokens) => (int)Math.Max(1, tokens / Math.Max(1, tokensPerSample));
}
