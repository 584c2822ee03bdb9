using Qllm.Artifacts.Container;

namespace Qllm.Runtime.Compute;

/// <summary>
/// Where a matrix's codes live: in place in the artifact (memory-mapped for a file) or, for bit
/// widths the kernels do not read packed, unpacked to one byte each in an owned array.
/// </summary>
internal sealed class WeightCodes
{
    private readonly ArtifactReader? _reader;
    private readonly ArtifactTensorInfo? _tensor;
    private readonly byte[]? _owned;

    private WeightCodes(ArtifactReader? reader, ArtifactTensorInfo? tensor, byte[]? owned)
    {
        _reader = reader;
        _tensor = tensor;
        _owned = owned;
    }

    /// <summary>The codes as stored, read in place for as long as <paramref name="reader"/> is open.</summary>
    public static WeightCodes InPlace(ArtifactReader reader, ArtifactTensorInfo tensor) => new(reader, tensor, null);

    /// <summary>Codes held in memory, one per byte.</summary>
    public static WeightCodes Owned(byte[] codes) => new(null, null, codes);

    public ReadOnlySpan<byte> Span => _owned ?? _reader!.GetBytes(_tensor!);

    public long Bytes => _owned?.LongLength ?? _tensor!.Length;
}
