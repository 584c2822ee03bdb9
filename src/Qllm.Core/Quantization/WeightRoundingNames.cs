namespace Qllm.Core.Quantization;

/// <summary>The spellings of <c>--weight-rounding</c> and the item's <c>WeightRounding</c>.</summary>
public static class WeightRoundingNames
{
    /// <summary>Each weight to its nearest grid point.</summary>
    public const string Nearest = "nearest";

    /// <summary>GPTQ's error-feedback rounding.</summary>
    public const string Gptq = "gptq";

    /// <summary>Every rounding.</summary>
    public static IReadOnlyList<string> All { get; } = [Nearest, Gptq];
}
