using System.Text.Json.Serialization;

namespace Qllm.Cache;

/// <summary>Source-generated JSON for the cache's files (no reflection inside MSBuild).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(FileDigest[]))]
[JsonSerializable(typeof(CacheEntryManifest))]
internal sealed partial class CacheJson : JsonSerializerContext;
