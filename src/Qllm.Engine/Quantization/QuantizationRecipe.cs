using Qllm.Engine.Rotation;

namespace Qllm.Engine.Quantization;

/// <summary>
/// What a preset does when the user names no method, rotation, rounding, rank or learning rate: the
/// best combination measured on stories15M at the reference's 128 samples and 10 epochs
/// (docs/benchmarks.md, "Rotation and GPTQ"; README says why).
/// </summary>
/// <param name="Method">Which QLLM steps run.</param>
/// <param name="Rotation">Whether the model is rotated first.</param>
/// <param name="WeightRounding">How weights are rounded at the end.</param>
/// <param name="Rank">Rank of the low-rank correction.</param>
/// <param name="LearningRate">Its learning rate.</param>
public sealed record QuantizationRecipe(QuantizationMethod Method, RotationKind Rotation, WeightRounding WeightRounding, int Rank = 4, double LearningRate = 5e-4)
{
    /// <summary>The default recipe for <paramref name="settings"/>.</summary>
    /// <remarks>
    /// Every preset is rotated and rounded by GPTQ: those two levers come first at every width. The
    /// low-rank correction then trains on what the rotation leaves, the activation error: it earns
    /// most at 4-bit activations (there with rank 16 and learning rate 1e-3, measured best), some at
    /// W4A8 and nothing measurable at W6A6, where rotation and GPTQ alone are kept (15× faster).
    /// Channel reassembly is left out: after the rotation it raised the error at every preset.
    /// </remarks>
    public static QuantizationRecipe For(QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ActivationBits <= 4)
        {
            return new(QuantizationMethod.LowRankOnly, RotationKind.Hadamard, WeightRounding.Gptq, Rank: 16, LearningRate: 1e-3);
        }

        return settings.WeightBits >= 6 && settings.ActivationBits >= 6
            ? new(QuantizationMethod.Rtn, RotationKind.Hadamard, WeightRounding.Gptq)
            : new(QuantizationMethod.LowRankOnly, RotationKind.Hadamard, WeightRounding.Gptq);
    }
}
