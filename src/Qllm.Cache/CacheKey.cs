using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Qllm.Cache;

/// <summary>
/// What makes two quantization runs the same run: the artifact format version, the engine's
/// identity, every option and the digest of every input. The key is the SHA-256 of this
/// description written as canonical JSON (properties in ordinal order, no white space), so the
/// same inputs give the same key on every machine.
/// </summary>
/// <param name="FormatVersion">The artifact format version the engine writes.</param>
/// <param name="Engine">The engine's identity (its version, or the digests of its assemblies).</param>
/// <param name="Options">Every quantization option, by its command-line name.</param>
/// <param name="Inputs">The SHA-256 of every input (model, tokenizer, calibration text), by role.</param>
internal sealed record CacheKey(int FormatVersion, string Engine, IReadOnlyDictionary<string, string> Options, IReadOnlyDictionary<string, string> Inputs)
{
    /// <summary>The canonical JSON description.</summary>
    public string CanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("engine", Engine);
            json.WriteNumber("format", FormatVersion);
            WriteSorted(json, "inputs", Inputs);
            WriteSorted(json, "options", Options);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The key: lower-case hex SHA-256 of <see cref="CanonicalJson"/>.</summary>
    public string Value() => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson())));

    private static void WriteSorted(Utf8JsonWriter json, string name, IReadOnlyDictionary<string, string> values)
    {
        json.WriteStartObject(name);
        foreach (var pair in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            json.WriteString(pair.Key, pair.Value);
        }

        json.WriteEndObject();
    }
}
