using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Qllm.Core.Errors;

namespace Qllm.Engine.SafeTensors;

/// <summary>
/// A safetensors header, read and checked without trusting the file: every length and offset is
/// checked against the file's real size before anything is allocated from it.
/// </summary>
internal sealed class SafeTensorsHeader
{
    /// <summary>
    /// The largest header accepted. Real headers are kilobytes (a few hundred entries); the cap keeps a
    /// forged length from costing a large allocation even when the file really is that big.
    /// </summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>The name safetensors reserves for the free-form string map.</summary>
    public const string MetadataKey = "__metadata__";

    private const string DamagedFix = "the file is damaged or was not written by a safetensors writer; fetch or export it again";

    private SafeTensorsHeader(IReadOnlyDictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long dataStart)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataStart = dataStart;
    }

    /// <summary>The tensors, by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset of the data section.</summary>
    public long DataStart { get; }

    /// <summary>Reads and validates the header of the open file <paramref name="file"/>.</summary>
    public static SafeTensorsHeader Read(SafeFileHandle handle, string file)
    {
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < sizeof(ulong))
        {
            throw Bad(file, $"the file is {fileLength} bytes, too short to hold the 8-byte header length");
        }

        Span<byte> prefix = stackalloc byte[sizeof(ulong)];
        SafeTensorsIo.ReadExactly(handle, prefix, 0, file);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw Bad(file, $"its header claims {headerLength} bytes, more than the {MaxHeaderBytes} bytes a safetensors header may have here");
        }

        var dataStart = sizeof(ulong) + (long)headerLength;
        if (dataStart > fileLength)
        {
            throw Bad(file, $"its header claims {headerLength} bytes but the file is only {fileLength} bytes long");
        }

        var json = new byte[headerLength];
        SafeTensorsIo.ReadExactly(handle, json, sizeof(ulong), file);
        return Parse(json, file, dataStart, fileLength - dataStart);
    }

    /// <summary>Parses and validates header JSON whose data section is <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(ReadOnlyMemory<byte> json, string file, long dataStart, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Bad(file, $"its header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(file, $"its header is a JSON {root.ValueKind}, not an object");
            }

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            var seenMetadata = false;
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (seenMetadata)
                    {
                        throw Bad(file, $"its header has \"{MetadataKey}\" twice");
                    }

                    seenMetadata = true;
                    metadata = ParseMetadata(property.Value, file);
                    continue;
                }

                var info = ParseEntry(property.Name, property.Value, file, dataLength);
                if (!tensors.TryAdd(info.Name, info))
                {
                    throw Bad(file, $"its header names tensor '{info.Name}' twice");
                }
            }

            CheckNoOverlaps(tensors.Values, file);
            return new SafeTensorsHeader(tensors, metadata, dataStart);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string file)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(file, $"its \"{MetadataKey}\" is a JSON {value.ValueKind}, not an object of strings");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(file, $"its \"{MetadataKey}\" entry '{entry.Name}' is a JSON {entry.Value.ValueKind}, not a string");
            }

            metadata[entry.Name] = entry.Value.GetString()!;
        }

        return metadata;
    }

    private static SafeTensorInfo ParseEntry(string name, JsonElement entry, string file, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Bad(file, $"the header entry of tensor '{name}' is a JSON {entry.ValueKind}, not an object");
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw Bad(file, $"tensor '{name}' has no \"dtype\" string");
        }

        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryParse(dtype, out var elementType))
        {
            throw Bad(file, $"tensor '{name}' has dtype '{dtype}', which this reader does not support (supported: {SafeTensorsDTypes.Supported})");
        }

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad(file, $"tensor '{name}' has no \"shape\" array");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var elementCount = 1L;
        var index = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var size) || size < 0)
            {
                throw Bad(file, $"tensor '{name}' has shape entry {dimension.GetRawText()}, not a non-negative integer");
            }

            shape[index++] = size;
            elementCount = CheckedProduct(elementCount, size, name, file);
        }

        if (!entry.TryGetProperty("data_offsets", out var offsetsElement)
            || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Bad(file, $"tensor '{name}' has no \"data_offsets\" pair");
        }

        var begin = ReadOffset(offsetsElement[0], name, file);
        var end = ReadOffset(offsetsElement[1], name, file);
        if (end < begin)
        {
            throw Bad(file, $"tensor '{name}' ends (byte {end}) before it begins (byte {begin})");
        }

        if (end > dataLength)
        {
            throw Bad(file, $"tensor '{name}' runs to byte {end} of the data section, which is only {dataLength} bytes (is the file truncated?)");
        }

        var byteLength = CheckedProduct(elementCount, SafeTensorsDTypes.SizeOf(elementType), name, file);
        if (end - begin != byteLength)
        {
            throw Bad(file, $"tensor '{name}' has {end - begin} bytes of data, but {dtype} of shape [{string.Join(", ", shape)}] needs {byteLength}");
        }

        return new SafeTensorInfo(name, dtype, elementType, shape, begin, end);
    }

    private static long ReadOffset(JsonElement element, string name, string file)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var offset) || offset < 0)
        {
            throw Bad(file, $"tensor '{name}' has data offset {element.GetRawText()}, not a non-negative integer");
        }

        return offset;
    }

    private static long CheckedProduct(long a, long b, string name, string file)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException e)
        {
            throw Bad(file, $"tensor '{name}' has a shape too large to exist", e);
        }
    }

    private static void CheckNoOverlaps(IEnumerable<SafeTensorInfo> tensors, string file)
    {
        SafeTensorInfo? previous = null;
        foreach (var info in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.DataBegin))
        {
            if (previous is not null && info.DataBegin < previous.DataEnd)
            {
                throw Bad(file, $"tensors '{previous.Name}' (bytes {previous.DataBegin}..{previous.DataEnd}) and '{info.Name}' (bytes {info.DataBegin}..{info.DataEnd}) overlap");
            }

            previous = info;
        }
    }

    private static QllmException Bad(string file, string problem, Exception? inner = null) =>
        new(ErrorCodes.BadSafeTensors, file, problem, DamagedFix, inner);
}
