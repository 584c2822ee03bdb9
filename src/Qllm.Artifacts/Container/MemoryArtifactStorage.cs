namespace Qllm.Artifacts.Container;

/// <summary>An artifact held in an array (read from a stream, for example an embedded resource).</summary>
internal sealed class MemoryArtifactStorage : ArtifactStorage
{
    private readonly ArraySegment<byte> _bytes;

    public MemoryArtifactStorage(ArraySegment<byte> bytes) => _bytes = bytes;

    /// <inheritdoc />
    public override long Length => _bytes.Count;

    /// <inheritdoc />
    public override ReadOnlySpan<byte> GetSpan(long offset, int length) => _bytes.AsSpan(checked((int)offset), length);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // The array belongs to the garbage collector.
    }
}
