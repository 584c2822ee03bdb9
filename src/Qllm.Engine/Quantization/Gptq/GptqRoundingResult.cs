namespace Qllm.Engine.Quantization.Gptq;

/// <summary>What <see cref="GptqRounding.Round"/> made of a weight.</summary>
/// <param name="Weight">The rounded weight: codes on the grid of the original weight (owned by the caller).</param>
/// <param name="DampingFraction">The damping fraction that was used: the requested one, or a raised one when the Cholesky factor failed with it.</param>
/// <param name="DampingRaised">Whether the damping had to be raised (the caller reports warning QLLM3006).</param>
internal sealed record GptqRoundingResult(QuantizedTensor Weight, double DampingFraction, bool DampingRaised);
