namespace Qllm.Core.Quantization;

/// <summary>A named pair of bit widths (<c>--preset</c>, the item's <c>Preset</c>).</summary>
/// <param name="Name">The name, such as W4A4.</param>
/// <param name="WeightBits">Bits per weight.</param>
/// <param name="ActivationBits">Bits per activation; 16 for weight-only.</param>
public sealed record QuantizationPreset(string Name, int WeightBits, int ActivationBits);
