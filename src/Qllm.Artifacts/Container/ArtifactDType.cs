namespace Qllm.Artifacts.Container;

/// <summary>
/// The element types a tensor in an artifact can have. All multi-byte values are little-endian.
/// The member names are the names written in the manifest.
/// </summary>
public enum ArtifactDType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,

    /// <summary>IEEE 754 binary16.</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a binary32.</summary>
    BF16,

    /// <summary>Signed 32-bit two's complement integer.</summary>
    I32,

    /// <summary>Unsigned 2-bit codes, packed four to a byte (see <see cref="BitPacking"/>).</summary>
    U2,

    /// <summary>Unsigned 3-bit codes, packed bit-wise (see <see cref="BitPacking"/>).</summary>
    U3,

    /// <summary>Unsigned 4-bit codes, packed two to a byte, low nibble first (see <see cref="BitPacking"/>).</summary>
    U4,

    /// <summary>Unsigned 5-bit codes, packed bit-wise (see <see cref="BitPacking"/>).</summary>
    U5,

    /// <summary>Unsigned 6-bit codes, packed bit-wise (see <see cref="BitPacking"/>).</summary>
    U6,

    /// <summary>Unsigned 7-bit codes, packed bit-wise (see <see cref="BitPacking"/>).</summary>
    U7,

    /// <summary>Unsigned bytes: raw bytes, or 8-bit codes (one per byte, the degenerate packing).</summary>
    U8,
}
