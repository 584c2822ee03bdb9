using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Qllm.Core.IO;
using static TorchSharp.torch;

namespace Qllm.Engine.SafeTensors;

/// <summary>Writes tensors to a safetensors file.</summary>
public static class SafeTensorsWriter
{
    /// <summary>The floating-point element types a file can be written in.</summary>
    private static readonly ScalarType[] FloatTypes = [ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16];

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/>, sorted by name, floating-point tensors
    /// converted to <paramref name="dtype"/> (other tensors keep their element type). The file is written
    /// under a temporary name and renamed into place.
    /// </summary>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="tensors">The tensors by name; not modified or disposed.</param>
    /// <param name="dtype"><see cref="ScalarType.Float32"/>, <see cref="ScalarType.Float16"/> or <see cref="ScalarType.BFloat16"/>.</param>
    /// <param name="metadata">The optional <c>__metadata__</c> string map.</param>
    /// <exception cref="Qllm.Core.Errors.QllmException">The file cannot be written.</exception>
    public static void Write(
        string path,
        IReadOnlyDictionary<string, Tensor> tensors,
        ScalarType dtype = ScalarType.Float32,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!FloatTypes.Contains(dtype))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Safetensors files are written in Float32, Float16 or BFloat16.");
        }

        var entries = Plan(tensors, dtype);
        var header = EncodeHeader(entries, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var entry in entries)
            {
                WriteData(stream, entry);
            }
        });
    }

    private static List<Entry> Plan(IReadOnlyDictionary<string, Tensor> tensors, ScalarType dtype)
    {
        var entries = new List<Entry>(tensors.Count);
        var offset = 0L;
        foreach (var (name, tensor) in tensors.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (string.IsNullOrEmpty(name) || name == SafeTensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{name}' cannot name a tensor in a safetensors file.", nameof(tensors));
            }

            var type = tensor.is_floating_point() ? dtype : tensor.dtype;
            var dtypeName = SafeTensorsDTypes.NameOf(type)
                ?? throw new ArgumentException($"Tensor '{name}' has element type {type}, which safetensors files here cannot hold.", nameof(tensors));
            var byteLength = checked(tensor.numel() * SafeTensorsDTypes.SizeOf(type));
            entries.Add(new Entry(name, tensor, type, dtypeName, offset, offset + byteLength));
            offset += byteLength;
        }

        return entries;
    }

    private static byte[] EncodeHeader(List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach (var entry in entries)
            {
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DTypeName);
                json.WriteStartArray("shape");
                foreach (var size in entry.Tensor.shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(entry.Begin);
                json.WriteNumberValue(entry.End);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        // The format pads the header with spaces so that the data section starts 8-byte aligned.
        var length = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[length];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteData(Stream stream, Entry entry)
    {
        // The scope disposes every conversion made here, and never the caller's tensor, even when a
        // conversion is a no-op that hands the same tensor back.
        using var scope = NewDisposeScope();
        var data = entry.Tensor.detach().cpu().to_type(entry.Type).contiguous();
        SafeTensorsIo.WriteFrom(stream, data);
    }

    private sealed record Entry(string Name, Tensor Tensor, ScalarType Type, string DTypeName, long Begin, long End);
}
