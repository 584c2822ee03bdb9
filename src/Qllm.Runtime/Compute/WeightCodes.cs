using Qllm.Artifacts.Container;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Where a matrix's codes live: in place in the artifact (memory-mapped for a file) or, for bit
/// widths the kernels do not read packed, unpacked to one byte each in an owned array.
/// </summary>
internal sealed class WeightCodes
{
    private readonly ArtifactReader? reader;
    private readonly ArtifactTensorInfo? tensor;
    private readonly byte[]? owned;

    private WeightCodes(ArtifactReader? reader, ArtifactTensorInfo? tensor, byte[]? owned)
    {
        this.reader = reader;
        this.tensor = tensor;
        this.owned = owned;
    }

    /// <summary>The codes as stored, read in place for as long as <paramref name="reader"/> is open.</summary>
    public static WeightCodes InPlace(ArtifactReader reader, ArtifactTensorInfo tensor) => new(reader, tensor, null);

    /// <summary>Codes held in memory, one per byte.</summary>
    public static WeightCodes Owned(byte[] codes) => new(null, null, codes);

    public ReadOnlySpan<byte> Span => owned ?? reader!.GetBytes(tensor!);

    public long Bytes => owned?.LongLength ?? tensor!.Length;
}
