namespace Qllm.Engine.Quantization;

/// <summary>Bit widths and granularities of a quantized model.</summary>
/// <param name="WeightBits">Bits per weight, 2–8.</param>
/// <param name="ActivationBits">Bits per activation, 2–8, or 16 for weight-only quantization (activations stay float).</param>
/// <param name="WeightGroupSize">Columns per weight range, or null for one range per output row.</param>
/// <param name="QuantizeAttentionStates">Quantize query/key/value states per head and token at <paramref name="ActivationBits"/>, as the reference does.</param>
public sealed record QuantizationSettings(int WeightBits, int ActivationBits, int? WeightGroupSize = null, bool QuantizeAttentionStates = true)
{
    /// <summary>Whether activations are quantized at all.</summary>
    public bool QuantizesActivations => ActivationBits < 16;

    /// <summary>The preset names and what they mean.</summary>
    public static IReadOnlyDictionary<string, QuantizationSettings> Presets { get; } = new Dictionary<string, QuantizationSettings>(StringComparer.OrdinalIgnoreCase)
    {
        ["W4A4"] = new(4, 4),
        ["W4A8"] = new(4, 8),
        ["W6A6"] = new(6, 6),
        ["W4A16"] = new(4, 16),
    };

    /// <summary>A short name such as W4A4.</summary>
    public string Name => $"W{WeightBits}A{ActivationBits}";
}
