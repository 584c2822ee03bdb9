using System.Text.Json.Serialization;

namespace Qllm.Tool.Commands;

/// <summary>Source-generated camelCase serialization of <see cref="QuantizeReport"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(QuantizeReport))]
internal sealed partial class QuantizeReportJson : JsonSerializerContext;
