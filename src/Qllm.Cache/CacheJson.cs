using System.Text.Json.Serialization;

namespace Qllm.Cache;

/// <summary>
/// Source-generated JSON for the cache's files (no reflection inside MSBuild). A file with a null
/// or missing property is damaged: reading it fails (as unreadable) rather than giving a record
/// whose non-nullable properties are null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(FileDigest[]))]
[JsonSerializable(typeof(CacheEntryManifest))]
internal sealed partial class CacheJson : JsonSerializerContext;
