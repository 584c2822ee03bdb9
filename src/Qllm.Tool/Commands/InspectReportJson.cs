using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands;

/// <summary>Source-generated camelCase serialization of <see cref="InspectReport"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(InspectReport))]
internal sealed partial class InspectReportJson : JsonSerializerContext;
