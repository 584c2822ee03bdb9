using Qllm.Engine.Rotation;

namespace Qllm.Engine.Quantization;

/// <summary>The command-line spelling of options, shared by the tool's output and the artifact's metadata.</summary>
public static class QuantizeOptionsText
{
    /// <summary>qllm, rtn, reassembly-only or lowrank-only.</summary>
    public static string Method(QuantizationMethod method) => method switch
    {
        QuantizationMethod.Rtn => "rtn",
        QuantizationMethod.ReassemblyOnly => "reassembly-only",
        QuantizationMethod.LowRankOnly => "lowrank-only",
        _ => "qllm",
    };

    /// <summary>none or hadamard.</summary>
    public static string Rotation(RotationKind rotation) => rotation == RotationKind.Hadamard ? "hadamard" : "none";

    /// <summary>nearest or gptq.</summary>
    public static string WeightRounding(WeightRounding rounding) => rounding == Quantization.WeightRounding.Gptq ? "gptq" : "nearest";

    /// <summary>The method spelled <paramref name="text"/> (see <see cref="Method"/>).</summary>
    public static QuantizationMethod ParseMethod(string text) => text switch
    {
        "rtn" => QuantizationMethod.Rtn,
        "reassembly-only" => QuantizationMethod.ReassemblyOnly,
        "lowrank-only" => QuantizationMethod.LowRankOnly,
        "qllm" => QuantizationMethod.Qllm,
        _ => throw new ArgumentException($"unknown method '{text}'", nameof(text)),
    };

    /// <summary>The rotation spelled <paramref name="text"/>.</summary>
    public static RotationKind ParseRotation(string text) => text switch
    {
        "none" => RotationKind.None,
        "hadamard" => RotationKind.Hadamard,
        _ => throw new ArgumentException($"unknown rotation '{text}'", nameof(text)),
    };

    /// <summary>The rounding spelled <paramref name="text"/>.</summary>
    public static WeightRounding ParseWeightRounding(string text) => text switch
    {
        "nearest" => Quantization.WeightRounding.Nearest,
        "gptq" => Quantization.WeightRounding.Gptq,
        _ => throw new ArgumentException($"unknown weight rounding '{text}'", nameof(text)),
    };
}
