using Qllm.Core.Quantization;
using Qllm.Engine.Quantization.Reassembly;
using Qllm.Engine.Rotation;

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

    /// <summary>The spellings of <see cref="AssemblyScore"/>, as <c>--merge-score</c> accepts them.</summary>
    public static IReadOnlyList<string> MergeScores { get; } = [ReferenceScore, MergeErrorScore];

    private const string ReferenceScore = "reference";
    private const string MergeErrorScore = "merge-error";

    /// <summary>merge-error or reference.</summary>
    public static string MergeScore(AssemblyScore score) => score == AssemblyScore.Reference ? ReferenceScore : MergeErrorScore;

    /// <summary>The merge score spelled <paramref name="text"/> (see <see cref="MergeScore"/>).</summary>
    public static AssemblyScore ParseMergeScore(string text) => text switch
    {
        ReferenceScore => AssemblyScore.Reference,
        MergeErrorScore => AssemblyScore.MergeError,
        _ => throw new ArgumentException($"unknown merge score '{text}'", nameof(text)),
    };
}
