namespace Qllm.Core.Quantization;

/// <summary>The spellings of <c>--rotation</c> and the item's <c>Rotation</c>.</summary>
public static class RotationNames
{
    /// <summary>No rotation.</summary>
    public const string None = "none";

    /// <summary>QuaRot-style randomized Hadamard rotation.</summary>
    public const string Hadamard = "hadamard";

    /// <summary>Every rotation.</summary>
    public static IReadOnlyList<string> All { get; } = [None, Hadamard];
}
