namespace Qllm.Core.Quantization;

/// <summary>The bit widths a run may ask for (<c>--bits</c>/<c>--activation-bits</c>, the item's <c>Bits</c>/<c>ActivationBits</c>).</summary>
public static class BitWidths
{
    /// <summary>The fewest bits of a weight or an activation.</summary>
    public const int Minimum = 2;

    /// <summary>The most bits of a weight or a quantized activation.</summary>
    public const int Maximum = 8;

    /// <summary>Activation bits that mean weight-only: activations stay float.</summary>
    public const int WeightOnly = 16;

    /// <summary>Whether <paramref name="bits"/> is a weight width.</summary>
    public static bool IsWeightBits(int bits) => bits is >= Minimum and <= Maximum;

    /// <summary>Whether <paramref name="bits"/> is an activation width (or <see cref="WeightOnly"/>).</summary>
    public static bool IsActivationBits(int bits) => IsWeightBits(bits) || bits == WeightOnly;
}
