using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Qllm.Artifacts.Container;

/// <summary>
/// An artifact file mapped read-only into memory: tensors are used in place, and only the pages
/// touched are read. Spans handed out point into the mapping and die with it.
/// </summary>
internal sealed class MappedArtifactStorage : ArtifactStorage
{
    private readonly MemoryMappedFile _file;
    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _address;
    private readonly long _length;
    private bool _disposed;

    private MappedArtifactStorage(MemoryMappedFile file, SafeFileHandle fileHandle, MemoryMappedViewAccessor view, long length)
    {
        _file = file;
        _handle = fileHandle;
        _view = view;
        _length = length;

        var handle = view.SafeMemoryMappedViewHandle;
        var added = false;
        handle.DangerousAddRef(ref added);
        _address = handle.DangerousGetHandle() + (nint)view.PointerOffset;
    }

    /// <inheritdoc />
    public override long Length => _length;

    /// <summary>Maps the open file <paramref name="stream"/> (at least one byte long); takes ownership of it.</summary>
    public static MappedArtifactStorage Map(FileStream stream)
    {
        var length = stream.Length;
        var file = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedArtifactStorage(file, stream.SafeFileHandle, view, length);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override ReadOnlySpan<byte> GetSpan(long offset, int length)
    {
        // A byref into unmanaged memory (which the GC ignores) instead of a pointer: the same
        // thing as new ReadOnlySpan<byte>(byte*, int), without requiring unsafe code in the project.
        ref var start = ref Unsafe.AddByteOffset(ref Unsafe.NullRef<byte>(), _address + (nint)offset);
        return MemoryMarshal.CreateReadOnlySpan(ref start, length);
    }

    /// <inheritdoc />
    public override void Read(long offset, Span<byte> destination)
    {
        // The file's own pages through the page cache: touching the mapping instead would keep
        // them in this process's resident set next to the copy.
        for (int done = 0; done < destination.Length;)
        {
            int read = RandomAccess.Read(_handle, destination[done..], offset + done);
            if (read == 0)
            {
                throw new EndOfStreamException($"the file ended at {offset + done} bytes while it was mapped with {_length}");
            }

            done += read;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _view.SafeMemoryMappedViewHandle.DangerousRelease();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
