using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Qllm.Artifacts.Container;

/// <summary>
/// An artifact already in memory outside the GC heap: an embedded resource of a loaded assembly
/// (<see cref="UnmanagedMemoryStream"/> over the mapped image). Used in place, never copied; the
/// stream is kept, and disposed with the storage.
/// </summary>
internal sealed class UnmanagedArtifactStorage : ArtifactStorage
{
    private readonly UnmanagedMemoryStream _stream;
    private readonly nint _address;
    private readonly long _length;

    public unsafe UnmanagedArtifactStorage(UnmanagedMemoryStream stream)
    {
        _stream = stream;
        _address = (nint)stream.PositionPointer;
        _length = stream.Length - stream.Position;
    }

    public override long Length => _length;

    public override ReadOnlySpan<byte> GetSpan(long offset, int length) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address + (nint)offset), length);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }
    }
}
