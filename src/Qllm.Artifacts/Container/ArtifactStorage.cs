namespace Qllm.Artifacts.Container;

/// <summary>The bytes of an open artifact: a memory-mapped file or an array.</summary>
internal abstract class ArtifactStorage : IDisposable
{
    /// <summary>The total length in bytes.</summary>
    public abstract long Length { get; }

    /// <summary>
    /// The bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>);
    /// the caller has checked the range. Valid until the storage is disposed.
    /// </summary>
    public abstract ReadOnlySpan<byte> GetSpan(long offset, int length);

    /// <summary>
    /// Copies the bytes from <paramref name="offset"/> into <paramref name="destination"/> (the
    /// caller has checked the range). A mapped file reads them from the file, so that the copied
    /// range does not stay resident in the process a second time.
    /// </summary>
    public virtual void Read(long offset, Span<byte> destination) => GetSpan(offset, destination.Length).CopyTo(destination);

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the mapping or the array.</summary>
    protected abstract void Dispose(bool disposing);
}
