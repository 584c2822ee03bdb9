using Qllm.Engine.Rotation;

namespace Qllm.Engine.Quantization;

/// <summary>
/// The combination of method, rotation and weight rounding a preset uses when the user names none:
/// the best one measured on stories15M (docs/benchmarks.md, "Rotation and GPTQ"; README says why).
/// </summary>
/// <param name="Method">Which QLLM steps run.</param>
/// <param name="Rotation">Whether the model is rotated first.</param>
/// <param name="WeightRounding">How weights are rounded at the end.</param>
public sealed record QuantizationRecipe(QuantizationMethod Method, RotationKind Rotation, WeightRounding WeightRounding)
{
    /// <summary>The default recipe for <paramref name="settings"/>.</summary>
    public static QuantizationRecipe For(QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new(QuantizationMethod.Qllm, RotationKind.Hadamard, WeightRounding.Gptq);
    }
}
