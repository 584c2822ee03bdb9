namespace Qllm.Engine.Quantization.Gptq;

/// <summary>
/// How GPTQ rounds weights (arXiv 2210.17323). The defaults are the faithful baseline of docs/method.md:
/// damping 0.01 of the mean Hessian diagonal, blocks of 128 columns, columns in their natural order.
/// </summary>
/// <param name="DampingFraction">λ = fraction · mean(diag H) is added to the Hessian's diagonal before it is inverted; raised tenfold while the Cholesky factor fails.</param>
/// <param name="BlockSize">Columns quantized with immediate error feedback before the lazy update of the columns after them.</param>
/// <param name="ActOrder">Quantize columns in descending order of their Hessian diagonal (the grid stays the one of the original weight).</param>
public sealed record GptqSettings(double DampingFraction = 0.01, int BlockSize = 128, bool ActOrder = false)
{
    /// <summary>The faithful defaults.</summary>
    public static GptqSettings Default { get; } = new();
}
