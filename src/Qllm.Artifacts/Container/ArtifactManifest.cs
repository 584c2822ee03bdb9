using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Qllm.Core.Errors;

namespace Qllm.Artifacts.Container;

/// <summary>
/// The manifest: the artifact's JSON table of contents. Written deterministically (fixed property
/// order, compact, tensors in insertion order, metadata in its own insertion order) and parsed
/// without trusting the file: every offset and length is checked against the data section.
/// </summary>
internal sealed class ArtifactManifest
{
    private static readonly HashSet<string> RootProperties = new(StringComparer.Ordinal) { "format", "version", "metadata", "tensors" };
    private static readonly HashSet<string> TensorProperties = new(StringComparer.Ordinal) { "name", "dtype", "shape", "offset", "length", "attributes" };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        MaxDepth = ArtifactFormat.MaxJsonDepth,

        // Tokenizer pieces and other text stay readable UTF-8 in the file; the manifest is never
        // embedded in HTML, which is all the default encoder's extra escaping guards against.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private ArtifactManifest(JsonObject metadata, IReadOnlyList<ArtifactTensorInfo> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>The writer's metadata object.</summary>
    public JsonObject Metadata { get; }

    /// <summary>The tensors, in manifest order.</summary>
    public IReadOnlyList<ArtifactTensorInfo> Tensors { get; }

    /// <summary>Serializes a manifest to UTF-8 JSON.</summary>
    public static byte[] Serialize(JsonObject metadata, IReadOnlyList<ArtifactTensorInfo> tensors)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("format", ArtifactFormat.FormatName);
            writer.WriteNumber("version", ArtifactFormat.CurrentVersion);
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
            writer.WriteStartArray("tensors");
            foreach (var tensor in tensors)
            {
                writer.WriteStartObject();
                writer.WriteString("name", tensor.Name);
                writer.WriteString("dtype", ArtifactDTypes.Name(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteNumber("offset", tensor.Offset);
                writer.WriteNumber("length", tensor.Length);
                if (tensor.Attributes.Count > 0)
                {
                    writer.WriteStartObject("attributes");
                    // Sorted, so the bytes do not depend on the kind of dictionary the caller used.
                    foreach (var (key, value) in tensor.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
                    {
                        WriteAttribute(writer, key, value);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Parses and validates a manifest whose data section is <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="Qllm.Core.Errors.QllmException">The manifest is malformed or does not fit the file.</exception>
    public static ArtifactManifest Parse(ReadOnlyMemory<byte> json, string source, int headerVersion, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                MaxDepth = ArtifactFormat.MaxJsonDepth,
                AllowDuplicateProperties = false,
            });
        }
        catch (JsonException e)
        {
            throw ArtifactErrors.Bad(source, $"its manifest is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw ArtifactErrors.Bad(source, $"its manifest is a JSON {root.ValueKind}, not an object");
            }

            foreach (var property in root.EnumerateObject())
            {
                if (!RootProperties.Contains(property.Name))
                {
                    throw ArtifactErrors.Bad(source, $"its manifest has a property '{property.Name}' that format version {headerVersion} does not define");
                }
            }

            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
                || format.GetString() != ArtifactFormat.FormatName)
            {
                throw ArtifactErrors.Bad(source, $"its manifest does not say \"format\": \"{ArtifactFormat.FormatName}\"");
            }

            if (!root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var manifestVersion) || manifestVersion != headerVersion)
            {
                throw ArtifactErrors.Bad(source, $"its manifest's \"version\" is not {headerVersion}, the version in its header");
            }

            if (!root.TryGetProperty("metadata", out var metadataElement) || metadataElement.ValueKind != JsonValueKind.Object)
            {
                throw ArtifactErrors.Bad(source, "its manifest has no \"metadata\" object");
            }

            if (!root.TryGetProperty("tensors", out var tensorsElement) || tensorsElement.ValueKind != JsonValueKind.Array)
            {
                throw ArtifactErrors.Bad(source, "its manifest has no \"tensors\" array");
            }

            var tensors = new List<ArtifactTensorInfo>(tensorsElement.GetArrayLength());
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in tensorsElement.EnumerateArray())
            {
                var tensor = ParseTensor(entry, tensors.Count, source, dataLength);
                if (!names.Add(tensor.Name))
                {
                    throw ArtifactErrors.Bad(source, $"its manifest names tensor '{tensor.Name}' twice");
                }

                tensors.Add(tensor);
            }

            // A copy that owns its nodes: the document is disposed here, and callers may change it.
            var metadata = JsonNode.Parse(metadataElement.GetRawText())!.AsObject();
            return new ArtifactManifest(metadata, tensors);
        }
    }

    private static ArtifactTensorInfo ParseTensor(JsonElement entry, int index, string source, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw ArtifactErrors.Bad(source, $"tensor entry {index} of its manifest is a JSON {entry.ValueKind}, not an object");
        }

        if (!entry.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || nameElement.GetString() is not { Length: > 0 } name)
        {
            throw ArtifactErrors.Bad(source, $"tensor entry {index} of its manifest has no \"name\" string");
        }

        foreach (var property in entry.EnumerateObject())
        {
            if (!TensorProperties.Contains(property.Name))
            {
                throw ArtifactErrors.Bad(source, $"tensor '{name}' has a property '{property.Name}' that format version {ArtifactFormat.CurrentVersion} does not define");
            }
        }

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has no \"dtype\" string");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!ArtifactDTypes.TryParse(dtypeName, out var dtype))
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has dtype '{dtypeName}', which this reader does not know (it knows {ArtifactDTypes.Supported})");
        }

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has no \"shape\" array");
        }

        var shape = new long[shapeElement.GetArrayLength()];
        var rank = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out var size) || size < 0)
            {
                throw ArtifactErrors.Bad(source, $"tensor '{name}' has shape entry {dimension.GetRawText()}, not a non-negative integer");
            }

            shape[rank++] = size;
        }

        if (!ArtifactDTypes.TryGetByteLength(dtype, shape, out var expectedLength))
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}], too large to exist");
        }

        var offset = ReadNonNegative(entry, "offset", name, source);
        var length = ReadNonNegative(entry, "length", name, source);
        if (length != expectedLength)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has {length} bytes, but {dtypeName} of shape [{string.Join(", ", shape)}] takes {expectedLength}");
        }

        if (offset % ArtifactFormat.Alignment != 0)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' starts at data offset {offset}, which is not a multiple of {ArtifactFormat.Alignment}");
        }

        // Subtraction, not addition: offset + length could overflow.
        if (offset > dataLength || length > dataLength - offset)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' (data bytes {offset} to {offset}+{length}) runs past the end of the {dataLength}-byte data section");
        }

        var attributes = entry.TryGetProperty("attributes", out var attributesElement)
            ? ParseAttributes(attributesElement, name, source)
            : null;
        return new ArtifactTensorInfo(name, dtype, shape, offset, length, attributes);
    }

    private static long ReadNonNegative(JsonElement entry, string property, string name, string source)
    {
        if (!entry.TryGetProperty(property, out var element) || element.ValueKind != JsonValueKind.Number
            || !element.TryGetInt64(out var value) || value < 0)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has no \"{property}\" that is a non-negative integer");
        }

        return value;
    }

    private static Dictionary<string, ArtifactAttributeValue> ParseAttributes(JsonElement element, string name, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw ArtifactErrors.Bad(source, $"tensor '{name}' has \"attributes\" that are a JSON {element.ValueKind}, not an object");
        }

        var attributes = new Dictionary<string, ArtifactAttributeValue>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            attributes[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => ArtifactAttributeValue.FromString(property.Value.GetString()!),
                JsonValueKind.Number when property.Value.TryGetInt64(out var integer) => ArtifactAttributeValue.FromInt64(integer),
                JsonValueKind.Number when property.Value.TryGetDouble(out var number) && double.IsFinite(number) => ArtifactAttributeValue.FromDouble(number),
                _ => throw ArtifactErrors.Bad(source, $"tensor '{name}' has attribute '{property.Name}' = {property.Value.GetRawText()}, not a string or a finite number"),
            };
        }

        return attributes;
    }

    private static void WriteAttribute(Utf8JsonWriter writer, string key, ArtifactAttributeValue value)
    {
        if (value.IsString)
        {
            writer.WriteString(key, value.AsString());
        }
        else if (value.IsInteger)
        {
            writer.WriteNumber(key, value.AsInt64());
        }
        else
        {
            writer.WriteNumber(key, value.AsDouble());
        }
    }
}
