using Qllm.Engine.Rotation;
using Qllm.Core.Quantization;

namespace Qllm.Engine.Quantization;

/// <summary>
/// The command-line spelling of options, shared by the tool's output and the artifact's metadata.
/// The spellings themselves are Qllm.Core's (<see cref="MethodNames"/> and the others), which the
/// tool and the build tasks accept; this maps them to the engine's types.
/// </summary>
public static class QuantizeOptionsText
{
    /// <summary>qllm, rtn, reassembly-only or lowrank-only.</summary>
    public static string Method(QuantizationMethod method) => method switch
    {
        QuantizationMethod.Rtn => MethodNames.Rtn,
        QuantizationMethod.ReassemblyOnly => MethodNames.ReassemblyOnly,
        QuantizationMethod.LowRankOnly => MethodNames.LowRankOnly,
        _ => MethodNames.Qllm,
    };

    /// <summary>none or hadamard.</summary>
    public static string Rotation(RotationKind rotation) => rotation == RotationKind.Hadamard ? RotationNames.Hadamard : RotationNames.None;

    /// <summary>nearest or gptq.</summary>
    public static string WeightRounding(WeightRounding rounding) => rounding == Quantization.WeightRounding.Gptq ? WeightRoundingNames.Gptq : WeightRoundingNames.Nearest;

    /// <summary>The method spelled <paramref name="text"/> (see <see cref="Method"/>).</summary>
    public static QuantizationMethod ParseMethod(string text) => text switch
    {
        MethodNames.Rtn => QuantizationMethod.Rtn,
        MethodNames.ReassemblyOnly => QuantizationMethod.ReassemblyOnly,
        MethodNames.LowRankOnly => QuantizationMethod.LowRankOnly,
        MethodNames.Qllm => QuantizationMethod.Qllm,
        _ => throw new ArgumentException($"unknown method '{text}'", nameof(text)),
    };

    /// <summary>The rotation spelled <paramref name="text"/>.</summary>
    public static RotationKind ParseRotation(string text) => text switch
    {
        RotationNames.None => RotationKind.None,
        RotationNames.Hadamard => RotationKind.Hadamard,
        _ => throw new ArgumentException($"unknown rotation '{text}'", nameof(text)),
    };

    /// <summary>The rounding spelled <paramref name="text"/>.</summary>
    public static WeightRounding ParseWeightRounding(string text) => text switch
    {
        WeightRoundingNames.Nearest => Quantization.WeightRounding.Nearest,
        WeightRoundingNames.Gptq => Quantization.WeightRounding.Gptq,
        _ => throw new ArgumentException($"unknown weight rounding '{text}'", nameof(text)),
    };
}
