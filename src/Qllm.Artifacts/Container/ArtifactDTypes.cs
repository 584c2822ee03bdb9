namespace Qllm.Artifacts.Container;

/// <summary>
/// Names, widths and storage sizes of <see cref="ArtifactDType"/>. Every tensor is stored row by
/// row: a row is the last dimension (a scalar is one row of one element), and each row takes
/// ceil(columns × bits / 8) bytes, so a packed row always starts on a byte boundary. For the
/// whole-byte types that is simply elements × element size.
/// </summary>
public static class ArtifactDTypes
{
    /// <summary>The supported names, for error messages.</summary>
    public const string Supported = "F32, F16, BF16, I32, U2, U3, U4, U5, U6, U7, U8";

    /// <summary>The name written in the manifest.</summary>
    public static string Name(ArtifactDType dtype) => dtype switch
    {
        ArtifactDType.F32 => "F32",
        ArtifactDType.F16 => "F16",
        ArtifactDType.BF16 => "BF16",
        ArtifactDType.I32 => "I32",
        ArtifactDType.U2 => "U2",
        ArtifactDType.U3 => "U3",
        ArtifactDType.U4 => "U4",
        ArtifactDType.U5 => "U5",
        ArtifactDType.U6 => "U6",
        ArtifactDType.U7 => "U7",
        ArtifactDType.U8 => "U8",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an artifact dtype"),
    };

    /// <summary>Parses a manifest dtype name (exact, case-sensitive: the manifest has one spelling).</summary>
    public static bool TryParse(string name, out ArtifactDType dtype)
    {
        // An explicit table, not Enum.TryParse, which would also accept "4", "f32" or " F32".
        switch (name)
        {
            case "F32": dtype = ArtifactDType.F32; return true;
            case "F16": dtype = ArtifactDType.F16; return true;
            case "BF16": dtype = ArtifactDType.BF16; return true;
            case "I32": dtype = ArtifactDType.I32; return true;
            case "U2": dtype = ArtifactDType.U2; return true;
            case "U3": dtype = ArtifactDType.U3; return true;
            case "U4": dtype = ArtifactDType.U4; return true;
            case "U5": dtype = ArtifactDType.U5; return true;
            case "U6": dtype = ArtifactDType.U6; return true;
            case "U7": dtype = ArtifactDType.U7; return true;
            case "U8": dtype = ArtifactDType.U8; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Bits per element: 32, 16, 16, 32, or 2–8 for the unsigned codes.</summary>
    public static int BitsPerElement(ArtifactDType dtype) => dtype switch
    {
        ArtifactDType.F32 or ArtifactDType.I32 => 32,
        ArtifactDType.F16 or ArtifactDType.BF16 => 16,
        ArtifactDType.U2 => 2,
        ArtifactDType.U3 => 3,
        ArtifactDType.U4 => 4,
        ArtifactDType.U5 => 5,
        ArtifactDType.U6 => 6,
        ArtifactDType.U7 => 7,
        ArtifactDType.U8 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not an artifact dtype"),
    };

    /// <summary>The unsigned-code dtype of <paramref name="bits"/> bits (2–8).</summary>
    public static ArtifactDType PackedCodes(int bits) => bits switch
    {
        2 => ArtifactDType.U2,
        3 => ArtifactDType.U3,
        4 => ArtifactDType.U4,
        5 => ArtifactDType.U5,
        6 => ArtifactDType.U6,
        7 => ArtifactDType.U7,
        8 => ArtifactDType.U8,
        _ => throw new ArgumentOutOfRangeException(nameof(bits), bits, "packed codes have 2 to 8 bits"),
    };

    /// <summary>Whether <paramref name="dtype"/> is one of the unsigned codes U2–U8.</summary>
    public static bool IsUnsignedCodes(ArtifactDType dtype) => dtype is >= ArtifactDType.U2 and <= ArtifactDType.U8;

    /// <summary>The number of elements of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the count does not fit a <see cref="long"/>.</exception>
    public static long ElementCount(ReadOnlySpan<long> shape) =>
        TryGetElementCount(shape, out var count) ? count : throw new ArgumentException("the shape has a negative dimension or too many elements", nameof(shape));

    /// <summary>The bytes a tensor of <paramref name="dtype"/> and <paramref name="shape"/> occupies.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the size does not fit a <see cref="long"/>.</exception>
    public static long ByteLength(ArtifactDType dtype, ReadOnlySpan<long> shape) =>
        TryGetByteLength(dtype, shape, out var bytes) ? bytes : throw new ArgumentException("the shape has a negative dimension or is too large", nameof(shape));

    /// <summary>The element count, or false when a dimension is negative or the product overflows.</summary>
    public static bool TryGetElementCount(ReadOnlySpan<long> shape, out long count)
    {
        count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0 || (dimension != 0 && count > long.MaxValue / dimension))
            {
                count = 0;
                return false;
            }

            count *= dimension;
        }

        return true;
    }

    /// <summary>The byte length (see the type's remarks), or false when a dimension is negative or a product overflows.</summary>
    public static bool TryGetByteLength(ArtifactDType dtype, ReadOnlySpan<long> shape, out long bytes)
    {
        bytes = 0;
        if (!TryGetElementCount(shape, out _))
        {
            return false;
        }

        var columns = shape.IsEmpty ? 1 : shape[^1];
        if (!TryGetElementCount(shape.IsEmpty ? [] : shape[..^1], out var rows))
        {
            return false;
        }

        var bits = BitsPerElement(dtype);
        if (columns > (long.MaxValue - 7) / bits)
        {
            return false;
        }

        var rowBytes = ((columns * bits) + 7) / 8;
        if (rowBytes != 0 && rows > long.MaxValue / rowBytes)
        {
            return false;
        }

        bytes = rows * rowBytes;
        return true;
    }
}
