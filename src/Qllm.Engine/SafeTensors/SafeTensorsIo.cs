using Microsoft.Win32.SafeHandles;
using Qllm.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Qllm.Engine.SafeTensors;

/// <summary>
/// Moves bytes between files and CPU tensors in chunks, straight through the tensor's own memory, so a
/// large tensor is never held twice and never needs one span longer than <see cref="int.MaxValue"/>.
/// </summary>
internal static class SafeTensorsIo
{
    /// <summary>Bytes per chunk: large enough to keep reads efficient, small enough for any span.</summary>
    public const int DefaultChunkBytes = 64 * 1024 * 1024;

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>, or reports the file as truncated.</summary>
    public static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string file)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new QllmException(
                    ErrorCodes.BadSafeTensors,
                    file,
                    $"the file ends at byte {offset}, before the data its header describes",
                    "the file is truncated or changed while it was read; fetch or export it again");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Fills the contiguous CPU tensor <paramref name="target"/> with the bytes at <paramref name="offset"/>.</summary>
    public static void ReadInto(SafeFileHandle handle, long offset, Tensor target, string file, int chunkBytes = DefaultChunkBytes)
    {
        ForEachChunk(target, chunkBytes, (chunk, byteOffset) => ReadExactly(handle, chunk, offset + byteOffset, file));
    }

    /// <summary>Writes the bytes of the contiguous CPU tensor <paramref name="source"/> to <paramref name="output"/>.</summary>
    public static void WriteFrom(Stream output, Tensor source, int chunkBytes = DefaultChunkBytes)
    {
        ForEachChunk(source, chunkBytes, (chunk, _) => output.Write(chunk));
    }

    private delegate void ChunkAction(Span<byte> chunk, long byteOffset);

    private static void ForEachChunk(Tensor tensor, int chunkBytes, ChunkAction action)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("The tensor must be a contiguous CPU tensor.", nameof(tensor));
        }

        var count = tensor.numel();
        if (count == 0)
        {
            return;
        }

        var elementSize = tensor.element_size();
        var perChunk = Math.Max(1, chunkBytes / elementSize);

        // A 1-D view, narrowed, gives contiguous slices whose byte spans point into the tensor's memory.
        using var flat = tensor.view(-1);
        for (long start = 0; start < count; start += perChunk)
        {
            using var slice = flat.narrow(0, start, Math.Min(perChunk, count - start));
            action(slice.bytes, start * elementSize);
        }
    }
}
