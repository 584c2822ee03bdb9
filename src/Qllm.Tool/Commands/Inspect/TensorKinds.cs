using Qllm.Artifacts.Container;
using Qllm.Artifacts.Schema;

namespace Qllm.Tool.Commands.Inspect;

/// <summary>
/// Sorts an artifact's tensors into kinds by the names the engine gives them (docs/artifact-format.md,
/// "What the QLLM engine stores"), so that `qllm inspect` can say where the bytes go.
/// </summary>
internal static class TensorKinds
{
    public static string Of(ArtifactTensorInfo tensor)
    {
        var name = tensor.Name;
        if (name == ArtifactTensorNames.Tokenizer)
        {
            return "tokenizer";
        }

        if (name.EndsWith(".codes", StringComparison.Ordinal))
        {
            return name.StartsWith(ArtifactTensorNames.Embedding + ".", StringComparison.Ordinal) ? "embedding codes"
                : name.StartsWith(ArtifactTensorNames.Classifier + ".", StringComparison.Ordinal) ? "classifier codes"
                : "weight codes";
        }

        if (name.Contains(".reassembly.", StringComparison.Ordinal))
        {
            return name.EndsWith(".coefficients", StringComparison.Ordinal) ? "reassembly coefficients" : "reassembly indices";
        }

        return name.EndsWith(".scales", StringComparison.Ordinal) ? "scales"
            : name.EndsWith(".zeros", StringComparison.Ordinal) ? "zero points"
            : name.EndsWith("norm.weight", StringComparison.Ordinal) ? "norm weights"
            : name.EndsWith(".bias", StringComparison.Ordinal) ? "biases"
            : "other";
    }

    /// <summary>The kind with its element type in words: "packed 4-bit weight codes", "float32 scales".</summary>
    public static string Describe(string kind, string dtype) =>
        kind == "tokenizer" ? "tokenizer file" : $"{DescribeType(dtype)} {kind}";

    private static string DescribeType(string dtype) => ArtifactDTypes.TryParse(dtype, out var type)
        ? type switch
        {
            ArtifactDType.F32 => "float32",
            ArtifactDType.F16 => "float16",
            ArtifactDType.BF16 => "bfloat16",
            ArtifactDType.I32 => "int32",
            ArtifactDType.U8 => "8-bit",
            _ => $"packed {ArtifactDTypes.BitsPerElement(type)}-bit",
        }
        : dtype;
}
