namespace Qllm.Artifacts.Container;

/// <summary>
/// Packs unsigned codes of 2–8 bits into bytes and back. The rule (docs/artifact-format.md): codes
/// are taken row by row; within a row, code j occupies bits [j·b, (j+1)·b) of the row's bit stream,
/// where bit k of the stream is bit (k mod 8) of byte (k div 8) — little-endian bit order, so a U4
/// byte holds code 2j in its low nibble and code 2j+1 in its high nibble. Each row starts on a byte
/// boundary (a row takes ceil(cols·b/8) bytes, the unused high bits of its last byte are zero), so
/// any row can be read on its own.
/// </summary>
public static class BitPacking
{
    /// <summary>The bytes one packed row of <paramref name="cols"/> codes of <paramref name="bits"/> bits takes.</summary>
    public static long RowBytes(int bits, long cols)
    {
        CheckBits(bits);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        return checked((cols * bits) + 7) / 8;
    }

    /// <summary>The bytes <paramref name="rows"/> packed rows take.</summary>
    public static long PackedLength(int bits, long rows, long cols)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        return checked(rows * RowBytes(bits, cols));
    }

    /// <summary>Packs <paramref name="codes"/> (one code per byte, row-major, rows × cols) into a new array.</summary>
    /// <exception cref="ArgumentException">The sizes disagree, or a code does not fit in <paramref name="bits"/> bits.</exception>
    public static byte[] Pack(ReadOnlySpan<byte> codes, int bits, int rows, int cols)
    {
        var packed = new byte[PackedLength(bits, rows, cols)];
        Pack(codes, bits, rows, cols, packed);
        return packed;
    }

    /// <summary>Packs <paramref name="codes"/> (one code per byte, row-major, rows × cols) into <paramref name="destination"/>, which it fills completely.</summary>
    /// <exception cref="ArgumentException">The sizes disagree, or a code does not fit in <paramref name="bits"/> bits.</exception>
    public static void Pack(ReadOnlySpan<byte> codes, int bits, int rows, int cols, Span<byte> destination)
    {
        CheckSizes(bits, rows, cols, codes.Length, nameof(codes), destination.Length, nameof(destination));
        var limit = 1 << bits;
        if (bits < 8 && codes.ContainsAnyInRange((byte)limit, byte.MaxValue))
        {
            throw new ArgumentException($"a code does not fit in {bits} bits (the largest allowed is {limit - 1})", nameof(codes));
        }

        var rowBytes = (int)RowBytes(bits, cols);
        for (var row = 0; row < rows; row++)
        {
            PackRow(codes.Slice(row * cols, cols), bits, destination.Slice(row * rowBytes, rowBytes));
        }
    }

    /// <summary>Unpacks rows × cols codes of <paramref name="bits"/> bits into a new array, one code per byte.</summary>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    public static byte[] Unpack(ReadOnlySpan<byte> packed, int bits, int rows, int cols)
    {
        var codes = new byte[checked(rows * cols)];
        Unpack(packed, bits, rows, cols, codes);
        return codes;
    }

    /// <summary>Unpacks rows × cols codes of <paramref name="bits"/> bits into <paramref name="destination"/>, one code per byte.</summary>
    /// <exception cref="ArgumentException">The sizes disagree.</exception>
    public static void Unpack(ReadOnlySpan<byte> packed, int bits, int rows, int cols, Span<byte> destination)
    {
        CheckSizes(bits, rows, cols, destination.Length, nameof(destination), packed.Length, nameof(packed));
        var rowBytes = (int)RowBytes(bits, cols);
        for (var row = 0; row < rows; row++)
        {
            UnpackRow(packed.Slice(row * rowBytes, rowBytes), bits, destination.Slice(row * cols, cols));
        }
    }

    /// <summary>Packs one row; <paramref name="destination"/> is exactly the row's bytes.</summary>
    private static void PackRow(ReadOnlySpan<byte> codes, int bits, Span<byte> destination)
    {
        switch (bits)
        {
            case 8:
                codes.CopyTo(destination);
                return;
            case 4:
                var pairs = codes.Length / 2;
                for (var i = 0; i < pairs; i++)
                {
                    destination[i] = (byte)(codes[2 * i] | (codes[(2 * i) + 1] << 4));
                }

                if ((codes.Length & 1) != 0)
                {
                    destination[pairs] = codes[^1];
                }

                return;
        }

        // General widths: accumulate bits low-first and flush whole bytes.
        ulong accumulator = 0;
        var pending = 0;
        var output = 0;
        foreach (var code in codes)
        {
            accumulator |= (ulong)code << pending;
            pending += bits;
            if (pending >= 8)
            {
                destination[output++] = (byte)accumulator;
                accumulator >>= 8;
                pending -= 8;
            }
        }

        if (pending > 0)
        {
            destination[output] = (byte)accumulator;
        }
    }

    /// <summary>Unpacks one row; <paramref name="packed"/> is exactly the row's bytes.</summary>
    private static void UnpackRow(ReadOnlySpan<byte> packed, int bits, Span<byte> destination)
    {
        switch (bits)
        {
            case 8:
                packed.CopyTo(destination);
                return;
            case 4:
                var pairs = destination.Length / 2;
                for (var i = 0; i < pairs; i++)
                {
                    var value = packed[i];
                    destination[2 * i] = (byte)(value & 0xF);
                    destination[(2 * i) + 1] = (byte)(value >> 4);
                }

                if ((destination.Length & 1) != 0)
                {
                    destination[^1] = (byte)(packed[pairs] & 0xF);
                }

                return;
        }

        var mask = (1UL << bits) - 1;
        ulong accumulator = 0;
        var available = 0;
        var input = 0;
        for (var j = 0; j < destination.Length; j++)
        {
            // A row holds cols·bits bits, so this never reads past the row's last byte.
            if (available < bits)
            {
                accumulator |= (ulong)packed[input++] << available;
                available += 8;
            }

            destination[j] = (byte)(accumulator & mask);
            accumulator >>= bits;
            available -= bits;
        }
    }

    private static void CheckSizes(int bits, int rows, int cols, int codeCount, string codeName, int packedCount, string packedName)
    {
        CheckBits(bits);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(cols);
        var elements = (long)rows * cols;
        if (codeCount != elements)
        {
            throw new ArgumentException($"{codeCount} codes given for {rows} × {cols}", codeName);
        }

        var packedLength = PackedLength(bits, rows, cols);
        if (packedCount != packedLength)
        {
            throw new ArgumentException($"{packedCount} packed bytes given; {rows} rows of {cols} {bits}-bit codes take {packedLength}", packedName);
        }
    }

    private static void CheckBits(int bits)
    {
        if (bits is < 2 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "packed codes have 2 to 8 bits");
        }
    }
}
