using System.Text.Json;
using Qllm.Core.Errors;

namespace Qllm.Engine.Loading.HuggingFace;

/// <summary>The model.safetensors.index.json of a sharded model: which shard file holds each tensor.</summary>
internal static class HuggingFaceShardIndex
{
    private const string Fix = "the sharded model's index is damaged; fetch or export the model again";

    /// <summary>Reads the weight map (tensor name to shard file name) of the index at <paramref name="path"/>.</summary>
    public static Dictionary<string, string> Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw Bad(path, $"it is not valid JSON ({e.Message})", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QllmException(ErrorCodes.InputNotFound, path, $"the shard index cannot be read ({e.Message})", "check the file's permissions", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw Bad(path, "it has no \"weight_map\" object");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var file = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : null;

                // Shards live beside the index; a name with a folder in it could reach any file on the machine.
                if (string.IsNullOrEmpty(file) || file != Path.GetFileName(file) || file is "." or "..")
                {
                    throw Bad(path, $"tensor '{entry.Name}' maps to {entry.Value.GetRawText()}, not the name of a file beside the index");
                }

                if (!weightMap.TryAdd(entry.Name, file))
                {
                    throw Bad(path, $"tensor '{entry.Name}' is mapped twice");
                }
            }

            return weightMap;
        }
    }

    /// <summary>The index JSON for <paramref name="weightMap"/> (tensor name to shard file name).</summary>
    public static byte[] Encode(IReadOnlyDictionary<string, string> weightMap, long totalSize)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartObject("metadata");
            json.WriteNumber("total_size", totalSize);
            json.WriteEndObject();
            json.WriteStartObject("weight_map");
            foreach (var (name, file) in weightMap.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                json.WriteString(name, file);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static QllmException Bad(string file, string problem, Exception? inner = null) =>
        new(ErrorCodes.BadWeights, file, problem, Fix, inner);
}
