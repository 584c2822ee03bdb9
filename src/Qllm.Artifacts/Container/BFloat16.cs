namespace Qllm.Artifacts.Container;

/// <summary>bfloat16 conversions: the upper half of a binary32, rounded to nearest even.</summary>
internal static class BFloat16
{
    /// <summary>The binary32 a bfloat16 stands for (exact).</summary>
    public static float ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>The nearest bfloat16 (ties to even); NaN stays a (quiet) NaN of the same sign.</summary>
    public static ushort FromSingle(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            // Truncating could clear every mantissa bit and turn a NaN into an infinity.
            return (ushort)((bits >> 16) | 0x0040);
        }

        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
