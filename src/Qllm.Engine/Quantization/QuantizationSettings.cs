using Qllm.Core.Quantization;

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

    /// <summary>The preset names and what they mean (Qllm.Core's <see cref="QuantizationPresets"/>, in its order).</summary>
    public static IReadOnlyDictionary<string, QuantizationSettings> Presets { get; } =
        QuantizationPresets.All.ToDictionary(p => p.Name, p => new QuantizationSettings(p.WeightBits, p.ActivationBits), StringComparer.OrdinalIgnoreCase);

    /// <summary>The settings of a run that names neither a preset nor bits.</summary>
    public static QuantizationSettings Default => Presets[QuantizationPresets.Default.Name];

    /// <summary>A short name such as W4A4.</summary>
    public string Name => $"W{WeightBits}A{ActivationBits}";
}
