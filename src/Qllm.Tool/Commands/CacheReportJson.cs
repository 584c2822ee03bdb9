using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands;

/// <summary>Source-generated camelCase serialization of the `qllm cache` reports.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CacheListReport))]
[JsonSerializable(typeof(CacheVerifyReport))]
[JsonSerializable(typeof(CacheTrimReport))]
[JsonSerializable(typeof(CacheClearReport))]
internal sealed partial class CacheReportJson : JsonSerializerContext;
